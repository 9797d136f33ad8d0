/**
 * One direction's MPPE key schedule, exactly as Linux's drivers/net/ppp/ppp_mppe.c runs it (RFC 3078 section
 * 7.3 as the kernel reads it): the initial session key is GetNewKeyFromSHA(start key, start key) with no RC4
 * pass; each later re-key hashes the master key with the current session key and then encrypts that digest
 * with itself. 40-bit keys get the salt D1 26 9E and 56-bit keys D1 in their first bytes, and the salted key is
 * what the next re-key hashes. Re-keying allocates nothing.
 */
import { SHS_PAD1, SHS_PAD2 } from "../crypto/mppe-keys.js";
import { Rc4 } from "../crypto/rc4.js";
import { Sha1 } from "../crypto/sha1.js";
import type { MppeStrength } from "./mppe-mode.js";

export class MppeSessionKey {
  /** The cipher keyed with the current session key; the encrypter and decrypter run packets through it. */
  readonly rc4 = new Rc4();
  private readonly keyLength: number;
  private readonly strength: MppeStrength;
  private readonly masterKey: Uint8Array;
  private readonly sessionKey: Uint8Array;
  private readonly digest = new Uint8Array(20);
  private readonly sha1 = new Sha1();

  /** `startKey` is the 16-byte start key of this direction; 40- and 56-bit modes use its first 8 bytes. */
  constructor(startKey: Uint8Array, strength: MppeStrength) {
    this.strength = strength;
    this.keyLength = strength === 128 ? 16 : 8;
    if (startKey.length < this.keyLength) {
      throw new RangeError(
        `an MPPE-${strength} start key needs ${this.keyLength} bytes, got ${startKey.length}`,
      );
    }
    this.masterKey = startKey.slice(0, this.keyLength);
    this.sessionKey = this.masterKey.slice();
    this.hashNewKey();
    this.sessionKey.set(this.digest.subarray(0, this.keyLength));
    this.saltAndKey();
  }

  /** Derives the next session key and keys the cipher with it. */
  rekey(): void {
    const keyLength = this.keyLength;
    this.hashNewKey();
    this.rc4.setKey(this.digest, keyLength);
    this.rc4.process(this.digest, 0, keyLength, this.sessionKey, 0);
    this.saltAndKey();
  }

  /** Copies the current session key out, to come back to it if what follows was a forgery. */
  saveInto(out: Uint8Array): void {
    out.set(this.sessionKey);
  }

  /** Returns to a saved session key; the cipher is re-keyed by the next rekey() or restartCipher(). */
  restoreFrom(saved: Uint8Array): void {
    this.sessionKey.set(saved.subarray(0, this.keyLength));
  }

  /** Keys the cipher with an earlier session key saved by saveInto() (a late packet's), leaving the schedule as is. */
  keyCipherWith(saved: Uint8Array): void {
    this.rc4.setKey(saved, this.keyLength);
  }

  /** Starts the cipher afresh with the current session key (after peeking at a packet with it). */
  restartCipher(): void {
    this.rc4.setKey(this.sessionKey);
  }

  /** GetNewKeyFromSHA: SHA-1(master key | SHSpad1 | session key | SHSpad2) into `digest`. */
  private hashNewKey(): void {
    const sha1 = this.sha1;
    sha1.update(this.masterKey);
    sha1.update(SHS_PAD1);
    sha1.update(this.sessionKey);
    sha1.update(SHS_PAD2);
    sha1.digestInto(this.digest);
  }

  private saltAndKey(): void {
    const key = this.sessionKey;
    if (this.strength !== 128) {
      key[0] = 0xd1;
      if (this.strength === 40) {
        key[1] = 0x26;
        key[2] = 0x9e;
      }
    }
    this.rc4.setKey(key);
  }
}
