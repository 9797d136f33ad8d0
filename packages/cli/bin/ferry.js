#!/usr/bin/env node
// The `ferry` command: a launcher kept in git with its exec bit, so a fresh build needs no chmod.
import "../dist/ferry.js";
