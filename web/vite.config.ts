import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// The build lands in the web crate, which embeds it in the server binary.
export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: "../crates/web/client-dist",
    emptyOutDir: true,
    assetsDir: "assets",
    // No inline data: scripts or fonts: the CSP allows only same-origin code.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022",
  },
  server: { proxy: { "/api": { target: "http://127.0.0.1:8080", ws: true } } },
});
