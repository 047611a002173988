import { defineConfig } from "vitest/config";

// The Tauri window loads the built files from ui/dist through its custom protocol;
// there is no dev server and nothing is fetched from the network.
export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, target: "safari15", sourcemap: false },
  test: { environment: "jsdom", include: ["src/**/*.test.ts"], globals: false },
});
