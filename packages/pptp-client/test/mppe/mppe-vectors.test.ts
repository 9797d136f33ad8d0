/**
 * Fixed bytes for the first packets of a stream, from the RFC 3079 start key. They were computed once by an
 * independent Python model of Linux's ppp_mppe.c (hashlib SHA-1 and a textbook RC4), whose rules are:
 * mppe_init() derives the initial session key with no RC4 pass and sets ccount to 4095 and bits to D only;
 * mppe_compress() increments ccount before use (so the first packet carries 0), re-keys (with the RC4 pass)
 * before every packet in stateless mode and on counts xFF or after a reset in stateful mode, and sets A then.
 */
import { describe, expect, it } from "vitest";
import { Rc4 } from "../../src/crypto/rc4.js";
import { MppeEncrypter } from "../../src/mppe/mppe-encrypter.js";
import type { MppeMode } from "../../src/mppe/mppe-mode.js";
import { fromHex, toHex } from "../../src/util/bytes.js";
import { modeName, open, pair, RFC_START_KEY, seal } from "./mppe-pair.js";

/** Inner protocol 0x0021 (IPv4) and "test message". */
const PLAIN = fromHex("0021 74657374206D657373616765");

const FIRST_PACKETS: [mode: MppeMode, packets: string[]][] = [
  [
    { strength: 40, stateless: true },
    [
      "9000 9EDCA503E79A60E2522DAE2433ED",
      "9001 F2032A093E8DB197DE2D4C926850",
      "9002 370AF45B90BF58E2EAA21D5DF3F2",
    ],
  ],
  [
    { strength: 40, stateless: false },
    [
      "1000 E6D530802D4146C87EC54C9C54DD",
      "1001 76198D6389D1C22A14BCCFBE8021",
      "1002 23C8F861E80DC58639F9175D4406",
    ],
  ],
  [
    { strength: 56, stateless: true },
    [
      "9000 68DA873ED60FA7346AF19674DDE1",
      "9001 B23C8663C3C38AD80CDF2DA2E05F",
      "9002 8D3CFBD2BAB20CAB594DEE87885F",
    ],
  ],
  [
    { strength: 56, stateless: false },
    [
      "1000 4B546F22A95DC8B654AE43BCD702",
      "1001 B35A4DC6E04AEC4E6C6C6A6E6FA8",
      "1002 AC6FFACA059DE26AD36F6497ED20",
    ],
  ],
  [
    { strength: 128, stateless: true },
    [
      "9000 7058224E931B78D7B615FA441831",
      "9001 353C954CD545CE3127AE68F6EAF7",
      "9002 CCD944BE42CDEB32B13AD672958A",
    ],
  ],
  [
    { strength: 128, stateless: false },
    [
      "1000 F5C084068C71C17C64E94EBAF8A7",
      "1001 E299AB0E43CE2D4B2A11C6E28EA9",
      "1002 7D8DF33366E961E3F1E0AAE8CC9C",
    ],
  ],
];

describe("the first packets of a stream, byte for byte", () => {
  it.each(FIRST_PACKETS.map(([mode, packets]) => [modeName(mode), mode, packets] as const))(
    "%s",
    (_name, mode, packets) => {
      const { encrypter, decrypter } = pair(mode);
      for (const hex of packets) {
        const packet = seal(encrypter, PLAIN);
        expect(toHex(packet)).toBe(hex.replace(" ", ""));
        expect(open(decrypter, fromHex(hex)).plain).toEqual(PLAIN);
      }
    },
  );

  it.each([
    [40, "D1269EC49FA62E3E"],
    [56, "D15C00C49FA62E3E"],
    [128, "405CB2247A7956E6E211007AE27B22D4"],
  ] as const)(
    "stateful %i-bit starts with the RFC 3079 initial session key %s (no RC4 pass)",
    (strength, key) => {
      const expected = PLAIN.slice();
      new Rc4(fromHex(key)).process(expected, 0, expected.length, expected, 0);
      const packet = seal(new MppeEncrypter(RFC_START_KEY, { strength, stateless: false }), PLAIN);
      expect(toHex(packet)).toBe(`1000${toHex(expected)}`);
    },
  );

  it.each([
    [40, "90FF 9EDCA503E79A60E2522DAE2433ED", "1100 116463867664F19F313852BFA7BC"],
    [128, "90FF 7058224E931B78D7B615FA441831", "1100 959B1D954BA76598D1477E44FA37"],
  ] as const)(
    "stateful %i-bit re-keys on flag packet 0x0FF and keeps the new stream for 0x100",
    (strength, flag, next) => {
      const { encrypter, decrypter } = pair({ strength, stateless: false });
      for (let i = 0; i < 0xff; i++) expect(open(decrypter, seal(encrypter, PLAIN)).plain).toEqual(PLAIN);
      for (const hex of [flag, next]) {
        expect(toHex(seal(encrypter, PLAIN))).toBe(hex.replace(" ", ""));
        expect(open(decrypter, fromHex(hex)).plain).toEqual(PLAIN);
      }
    },
  );
});
