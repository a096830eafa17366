// After « Se déconnecter » on a Streamlit page: the team's data leave the phone, as with the field
// page's own logout; observations not yet sent stay, locked to the account that recorded them.
// Open tabs of the field page are told, so that none keeps showing the team's data.
"use strict";

Session.dropTeamData().finally(() => {
  if ("BroadcastChannel" in window) new BroadcastChannel("psq-terrain").postMessage("signed-out");
  document.documentElement.dataset.done = "1"; // for the browser test
});
