// Sets or clears the HttpOnly session cookie, which a Streamlit page cannot do itself: after a
// login the page's one-time ticket is posted to /api/session/claim (the answer sets the cookie);
// after « Se déconnecter » (the session already ended on the server) DELETE /api/session
// clears it. PSQ_SESSION_ACTION is prepended by diagnostics/ui/session.py.
(function (action) {
  const key = "psqSessionAction:" + action.id;
  if (window[key]) {
    return; // the same element rendered again by a rerun
  }
  window[key] = true;
  const request =
    action.kind === "claim"
      ? {
          url: "/api/session/claim",
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ ticket: action.ticket }),
        }
      : { url: "/api/session", method: "DELETE" };
  fetch(request.url, { ...request, credentials: "same-origin", cache: "no-store" }).then((response) => {
    // A new session replaced the old cookie: a logout the offline field page still had to do
    // (diagnostics/web/terrain_assets/session.js) must not end this one.
    if (action.kind === "claim" && response.ok) localStorage.removeItem("psq-terrain-logout-pending");
  }).catch(() => {
    // Offline or refused: the page stays signed in in memory; a reload asks to log in again.
  });
  if (action.kind === "clear") {
    // The offline field page (/terrain/) runs its own cleanup: the team's data leave the phone.
    const cleanup = document.createElement("iframe");
    cleanup.hidden = true;
    cleanup.title = "Déconnexion de la saisie hors ligne";
    cleanup.src = "/terrain/sortie.html";
    document.body.appendChild(cleanup);
  }
})(PSQ_SESSION_ACTION);
