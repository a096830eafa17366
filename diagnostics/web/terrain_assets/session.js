// Signing in and out on the field page. A logout asked offline is remembered (localStorage) and
// done with the network, before anything else is sent; the team's data leave the phone at once.
// Pending observations stay, locked to the account that recorded them.
"use strict";

const Session = (() => {
  const LOGOUT_PENDING = "psq-terrain-logout-pending";
  const DATA_CACHE = "psq-terrain-data-v1"; // the service worker's copy of the team's data

  const logoutPending = () => localStorage.getItem(LOGOUT_PENDING) === "1";

  // The team's data off the phone (the bundle and the service worker's copy); items stay.
  async function dropTeamData() {
    await Store.setMeta("bundle", null);
    if (window.caches) await caches.delete(DATA_CACHE);
  }

  // The server's side of a logout asked offline; true when nothing is left to do.
  async function finishPendingLogout() {
    if (!logoutPending()) return true;
    try {
      await fetch("/api/session", { method: "DELETE", credentials: "same-origin" });
    } catch (err) {
      return false; // still no network: next time
    }
    localStorage.removeItem(LOGOUT_PENDING);
    return true;
  }

  // Returns true when the server ended the session now, false when it will with the network.
  async function logOut() {
    localStorage.setItem(LOGOUT_PENDING, "1");
    await dropTeamData();
    return finishPendingLogout();
  }

  // {ok: true} or {ok: false, message} (French).
  async function logIn(login, password) {
    await finishPendingLogout(); // never sign out the new session with an old request
    const body = { identifiant: login, mot_de_passe: password };
    try {
      const response = await fetch("/api/session", {
        method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) return { ok: false, message: answer.erreur || "Connexion refusée." };
    } catch (err) {
      return { ok: false, message: "Réseau indisponible : réessayez avec le réseau." };
    }
    localStorage.removeItem(LOGOUT_PENDING);
    return { ok: true };
  }

  return { logOut, logIn, finishPendingLogout, dropTeamData, logoutPending };
})();
