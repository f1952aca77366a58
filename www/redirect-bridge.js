// MSAL v5 bridge: the pop-up or hidden frame lands here after sign-in; this passes the answer
// to the page that opened it (@azure/msal-browser/redirect-bridge, served from our origin).
globalThis.msalRedirectBridge.broadcastResponseToMainFrame().catch((error) => {
  document.body.textContent = `Sign-in could not finish: ${error && error.message ? error.message : error}`;
});
