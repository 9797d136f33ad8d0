/**
 * The profiles of the user and system folders, kept current: folder changes (fs.watch, debounced) reload the
 * list and emit "change" when it differs. A bad file never stops the store; it is listed with its problems.
 */
import { EventEmitter } from "node:events";
import { type FSWatcher, watch } from "node:fs";
import { stat } from "node:fs/promises";
import type { Profile } from "../profile.js";
import { keysDir, type ProfileFolders, readProfileFolders } from "./profile-folders.js";
import {
  type FolderProblem,
  type ListedProfile,
  type ProfileListing,
  resolveProfiles,
} from "./resolve-profiles.js";

export interface ProfileStoreOptions extends ProfileFolders {
  /** Quiet time after the last folder event before reloading: a copy or an editor's save is many events. */
  readonly debounceMs?: number;
  /** How often to look again for a folder that does not exist yet (fs.watch needs it to exist). */
  readonly rewatchMs?: number;
}

interface WatchedFolder {
  readonly watcher: FSWatcher;
  /** The folder's inode when the watch started: a folder replaced under the same name needs a new watch. */
  readonly ino: number;
}

export class ProfileStore extends EventEmitter<{ change: [ProfileListing] }> {
  private listing: ProfileListing = { profiles: [], folderProblems: [] };
  private fingerprint = "";
  private readonly watched = new Map<string, WatchedFolder>();
  private debounce: NodeJS.Timeout | undefined;
  private rewatch: NodeJS.Timeout | undefined;
  private reloading: Promise<boolean> | undefined;
  private reloadAgain = false;
  private syncing: Promise<boolean> | undefined;
  private closed = false;

  private constructor(private readonly options: ProfileStoreOptions) {
    super();
  }

  /** Reads both folders once and starts watching them. */
  static async open(options: ProfileStoreOptions): Promise<ProfileStore> {
    const store = new ProfileStore(options);
    await store.reload();
    return store;
  }

  list(): readonly ListedProfile[] {
    return this.listing.profiles;
  }

  /** Key files or folders that could not be used (a broken organisation key, an unreadable folder). */
  folderProblems(): readonly FolderProblem[] {
    return this.listing.folderProblems;
  }

  find(id: string): ListedProfile | undefined {
    return this.listing.profiles.find((p) => p.id === id);
  }

  /** The profile to connect with; undefined when there is none with this id or it cannot be used. */
  profile(id: string): Profile | undefined {
    return this.find(id)?.profile;
  }

  /** Calls `listener` after each reload that changed the list; returns how to stop. */
  onChange(listener: (listing: ProfileListing) => void): () => void {
    this.on("change", listener);
    return () => this.off("change", listener);
  }

  /** Reads the folders now; resolves true when the list changed. Concurrent calls share one read. */
  async reload(): Promise<boolean> {
    if (this.reloading !== undefined) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = this.readAndResolve();
    try {
      return await this.reloading;
    } finally {
      this.reloading = undefined;
      if (this.reloadAgain && !this.closed) {
        this.reloadAgain = false;
        this.scheduleReload();
      }
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.debounce);
    clearInterval(this.rewatch);
    for (const { watcher } of this.watched.values()) watcher.close();
    this.watched.clear();
    this.removeAllListeners();
  }

  private async readAndResolve(): Promise<boolean> {
    let listing: ProfileListing;
    try {
      listing = resolveProfiles(await readProfileFolders(this.options));
    } catch (error) {
      // Not expected (reading and resolving report problems as values), but a watcher must never crash ferryd.
      const message = `could not be read (${(error as Error).message})`;
      listing = { ...this.listing, folderProblems: [{ file: this.folders().join(", "), message }] };
    }
    if (this.closed) return false;
    await this.syncWatches();
    const fingerprint = JSON.stringify(listing);
    if (fingerprint === this.fingerprint) return false;
    this.listing = listing;
    this.fingerprint = fingerprint;
    this.emit("change", listing);
    return true;
  }

  private scheduleReload(): void {
    if (this.closed) return;
    clearTimeout(this.debounce);
    // reload() does not reject (readAndResolve catches), so a timer never leaves an unhandled rejection.
    this.debounce = setTimeout(() => void this.reload(), this.options.debounceMs ?? 250);
    this.debounce.unref();
  }

  private folders(): string[] {
    const { userDir, systemDir } = this.options;
    return [userDir, systemDir, systemDir === undefined ? undefined : keysDir(systemDir)].filter(
      (dir): dir is string => dir !== undefined,
    );
  }

  /** Watches every folder that exists now, drops watches on folders that went away or were replaced. */
  private syncWatches(): Promise<boolean> {
    // One at a time: two overlapping passes would both start a watch on a new folder and leak one.
    this.syncing ??= this.syncWatchesOnce().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async syncWatchesOnce(): Promise<boolean> {
    let started = false;
    for (const dir of this.folders()) {
      const ino = await stat(dir).then(
        (s) => (s.isDirectory() ? s.ino : undefined),
        () => undefined,
      );
      const current = this.watched.get(dir);
      if (current !== undefined && current.ino === ino) continue;
      current?.watcher.close();
      this.watched.delete(dir);
      if (ino === undefined || this.closed) continue;
      try {
        const watcher = watch(dir, { persistent: false }, () => this.scheduleReload());
        watcher.on("error", () => {
          watcher.close();
          if (this.watched.get(dir)?.watcher === watcher) this.watched.delete(dir);
          this.scheduleReload();
        });
        this.watched.set(dir, { watcher, ino });
        started = true;
      } catch {
        // Removed between stat and watch: the next look finds it or not.
      }
    }
    this.keepLookingForMissingFolders();
    return started;
  }

  private keepLookingForMissingFolders(): void {
    const missing = this.folders().some((dir) => !this.watched.has(dir));
    if (!missing || this.closed) {
      clearInterval(this.rewatch);
      this.rewatch = undefined;
      return;
    }
    if (this.rewatch !== undefined) return;
    this.rewatch = setInterval(() => {
      void this.syncWatches().then((started) => {
        if (started) this.scheduleReload();
      });
    }, this.options.rewatchMs ?? 5000);
    this.rewatch.unref();
  }
}
