// Relative asset URLs so the built app can be served from /dist/ by the emulator; in dev mode
// the emulator's routes are proxied so the page sees them on its own origin.
const target = process.env.EMULATOR_URL;
const proxy = target ? Object.fromEntries(["/_emulator", "/v1.0", "/central"].map((p) => [p, { target }])) : {};
export default { base: "./", build: { outDir: "dist", emptyOutDir: true }, logLevel: "warn", server: { proxy } };
