#!/usr/bin/env node
// The `ferryd` service: a launcher kept in git with its exec bit, so a fresh build needs no chmod.
import "../dist/ferryd.js";
