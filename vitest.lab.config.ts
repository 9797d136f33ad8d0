import { defineConfig } from "vitest/config";

/** The lab suite: root, a qemu VM and network namespaces; one file at a time, since they share the lab. */
export default defineConfig({
  test: {
    include: ["lab/test/**/*.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
