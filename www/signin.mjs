// Sign-in: MSAL.js (pop-up, silent renewal, sign-out) when a client id is configured, else the
// demo sign-in against the emulator. Both give an `auth`: { label, getToken({forceRefresh}), signOut() }.
import { h, codedError, list } from "./dom.mjs";

/** The demo sign-in: a token for `user` from the emulator's `POST /_emulator/token`, kept in memory. */
export function demoAuth({ url, user, scopes }) {
  let cached = null; // { token, scopes, expires }
  return {
    label: `${user} (demo sign-in)`,
    getToken: async ({ forceRefresh } = {}) => {
      const wanted = scopes().join(" ");
      if (!forceRefresh && cached && cached.scopes === wanted && cached.expires > Date.now() + 60_000) return cached.token;
      let response;
      try {
        response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ user, scopes: wanted, ttlSeconds: 3600 }) });
      } catch (error) {
        throw codedError("network", `demo token endpoint ${url}: ${error.message}`);
      }
      if (!response.ok) throw codedError("signIn", `demo token endpoint answered ${response.status}`);
      const body = await response.json();
      cached = { token: body.access_token, scopes: wanted, expires: Date.now() + body.expires_in * 1000 };
      return cached.token;
    },
    signOut: async () => { cached = null; },
  };
}

/** Loads MSAL (from `cfg.msalUrl`, our origin) and returns its initialised PublicClientApplication. */
export async function startMsal(cfg) {
  if (!globalThis.msal) {
    await new Promise((resolve, reject) => {
      document.head.append(h("script", { src: cfg.msalUrl, onload: resolve,
        onerror: () => reject(new Error(`could not load ${cfg.msalUrl}`)) }));
    });
  }
  const knownAuthorities = list(cfg.knownAuthorities);
  const msal = new globalThis.msal.PublicClientApplication({
    auth: { clientId: cfg.clientId, authority: cfg.authority, redirectUri: cfg.redirectUri,
      ...(knownAuthorities.length ? { knownAuthorities } : {}) },
    // Tokens stay in MSAL's sessionStorage cache (per tab, gone with it), never localStorage.
    cache: { cacheLocation: "sessionStorage" },
    ...(cfg.protocolMode ? { system: { protocolMode: cfg.protocolMode } } : {}),
  });
  await msal.initialize();
  return msal;
}

/** The pop-up sign-in (the last account as login hint); returns the signed-in account. */
export async function msalSignIn(msal, scopes) {
  const hint = msal.getActiveAccount()?.username;
  const result = await msal.loginPopup({ scopes, ...(hint ? { loginHint: hint } : {}) });
  msal.setActiveAccount(result.account);
  return result.account;
}

/**
 * An `auth` for an MSAL account. `onExpired` is called when a silent renewal needs the user
 * (then `getToken` rejects with `signInAgain`: a pop-up without a click would be blocked).
 */
export function msalAuth(msal, account, { scopes, redirectUri, onExpired }) {
  return {
    label: account.username,
    getToken: async ({ forceRefresh } = {}) => {
      const request = { scopes: scopes(), account, forceRefresh: Boolean(forceRefresh) };
      try {
        return (await msal.acquireTokenSilent(request)).accessToken;
      } catch (error) {
        if (!(error instanceof globalThis.msal.InteractionRequiredAuthError)) throw error;
        // The refresh token was refused and no session allows a silent sign-in.
        onExpired();
        throw codedError("signInAgain", `sign-in needed (${error.errorCode || error.name})`);
      }
    },
    signOut: async () => {
      try {
        // The pop-up ends the provider's session, then lands on the bridge page, which
        // tells MSAL it is done (any other page would leave MSAL waiting for it).
        await msal.logoutPopup({ account, postLogoutRedirectUri: redirectUri });
      } finally {
        // Whatever the pop-up did (blocked, closed), forget this account's tokens here.
        await msal.clearCache({ account }).catch(() => {});
      }
    },
  };
}
