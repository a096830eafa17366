// The field page: loads the bundle (network, else the phone's copy), records observations into
// IndexedDB, lists what waits, and sends it when the network is there.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const state = { bundle: null, map: null, geometry: null, editing: null, localDiagnostics: [] };
  const CURRENT = "psq-terrain-diagnostic";
  // Other tabs of this page: told when the phone's items change, they redraw their counts and lists.
  const channel = "BroadcastChannel" in window ? new BroadcastChannel("psq-terrain") : null;
  const changed = () => channel && channel.postMessage("items");
  let sending = null; // the send under way: a second tap joins it

  function notice(text) {
    $("notice").textContent = text || "";
    $("notice").hidden = !text;
  }

  function renderNetwork() {
    const online = navigator.onLine;
    $("network").textContent = online ? "En ligne" : "Hors ligne";
    $("network").className = `pill ${online ? "online" : "offline"}`;
  }

  // ---- bundle ----

  class SignedOut extends Error {} // the server's French reason (expired, closed by an administrator…)

  async function fetchBundle() {
    const communes = (await Store.getMeta("communes")) || [];
    const query = communes.length ? `?communes=${encodeURIComponent(communes.join(","))}` : "";
    const response = await fetch(`/api/terrain/bundle${query}`, { credentials: "same-origin" });
    const body = await response.json().catch(() => ({}));
    if (response.status === 401) throw new SignedOut(body.erreur || "Connectez-vous.");
    if (!response.ok) throw new Sync.ServerRefusal(body.erreur || `le serveur a répondu ${response.status}`);
    await Store.setMeta("bundle", body);
    return body;
  }

  // No valid session: the team's data leave the phone (pending items stay, locked to their author).
  async function askLogin(message) {
    await Session.dropTeamData();
    state.bundle = null;
    $("work").hidden = true;
    $("who").textContent = "";
    $("saved").textContent = "";
    $("login").hidden = false;
    notice(message);
    await renderPending();
    $("login").scrollIntoView({ behavior: "smooth", block: "start" });
  }

  async function loadBundle() {
    const stored = (await Store.getMeta("bundle")) || null;
    if (stored) show(stored);
    if (!navigator.onLine) {
      if (!stored) notice("Hors ligne : ouvrez cette page une première fois avec le réseau pour emporter les données de l'équipe.");
      return;
    }
    // A logout asked offline is done first: nothing is sent under that session any more.
    if (!(await Session.finishPendingLogout())) return;
    try {
      const fresh = await fetchBundle();
      $("login").hidden = true;
      show(fresh);
      syncNow(false);
      OfflineTiles.keep(fresh, $("tiles-info"));
    } catch (err) {
      if (err instanceof SignedOut) await askLogin(stored ? `${err.message} Vos observations restent sur le téléphone.` : "");
      else if (!stored) notice(`Données de l'équipe indisponibles : ${Sync.reason(err)}.`);
    }
  }

  function show(bundle) {
    if (state.bundle && state.bundle.actor.login !== bundle.actor.login) { resetObservation(); $("saved").textContent = ""; }
    state.bundle = bundle;
    $("work").hidden = false;
    Forms.fillObservationChoices($("observation-form"), bundle);
    Forms.fillDiagnosticChoices($("diagnostic-form"), bundle);
    if (state.map) state.map.map.remove();
    state.map = FieldMap.create($("map"), bundle, setPosition);
    window.psqFieldMap = state.map.map; // for the browser tests and for debugging on a phone
    renderCommunes();
    renderDiagnostics();
    renderPending();
    const when = new Date(bundle.generated_at).toLocaleString("fr-FR", { timeZone: "Europe/Paris", dateStyle: "short", timeStyle: "short" });
    $("bundle-info").textContent = `Données de l'équipe du ${when}.`;
    $("who").textContent = `Connecté : ${bundle.actor.label}`;
  }

  // ---- diagnostics ----

  async function renderDiagnostics() {
    const login = state.bundle.actor.login;
    state.localDiagnostics = (await Store.diagnostics()).filter((d) => !d.login || d.login === login);
    const select = $("diagnostic");
    const keep = select.value || localStorage.getItem(CURRENT) || "";
    select.replaceChildren();
    const add = (value, label) => { const node = Geo.el("option", label); node.value = value; select.appendChild(node); };
    add("", "Choisissez le diagnostic");
    const known = new Set(state.bundle.diagnostics.map((d) => d.id));
    state.bundle.diagnostics.forEach((d) => add(`s:${d.id}`, d.label));
    state.localDiagnostics
      .filter((d) => !known.has(d.server_id))
      .forEach((d) => add(`l:${d.uuid}`, `${Geo.frenchDate(d.fields.visited_on)} — ${d.fields.place}, ${d.commune_name} (commencé hors ligne)`));
    const values = [...select.options].map((o) => o.value).filter(Boolean);
    select.value = values.includes(keep) ? keep : values.length === 1 ? values[0] : "";
  }

  function currentDiagnostic() {
    const value = $("diagnostic").value;
    if (value.startsWith("s:")) {
      const d = state.bundle.diagnostics.find((x) => `s:${x.id}` === value);
      return d && { diagnostic_id: d.id, diagnostic_uuid: null, commune_insee: d.commune_insee, label: d.label };
    }
    if (value.startsWith("l:")) {
      const d = state.localDiagnostics.find((x) => `l:${x.uuid}` === value);
      return d && { diagnostic_id: d.server_id || null, diagnostic_uuid: d.uuid, commune_insee: d.fields.commune_insee, label: d.fields.place };
    }
    return null;
  }

  async function startDiagnostic(event) {
    event.preventDefault();
    const form = $("diagnostic-form");
    const values = Forms.diagnosticValues(form);
    const errors = Forms.diagnosticErrors(state.bundle, values);
    Forms.showErrors(form, errors);
    if (Object.keys(errors).length) return;
    const uuid = crypto.randomUUID();
    const commune = state.bundle.communes.features.find((f) => f.properties.insee === values.commune_insee);
    await Store.saveDiagnostic({
      uuid, fields: { uuid, ...values }, commune_name: commune ? commune.properties.name : values.commune_insee, server_id: null, login: state.bundle.actor.login,
    });
    localStorage.setItem(CURRENT, `l:${uuid}`);
    form.reset();
    Forms.fillDiagnosticChoices(form, state.bundle);
    $("new-diagnostic").open = false;
    await renderDiagnostics();
    $("diagnostic").value = `l:${uuid}`;
    notice("Diagnostic commencé sur le téléphone : il sera envoyé avec ses observations.");
  }

  // ---- observation ----

  function setPosition(position) {
    state.geometry = position.geometry;
    $("saved").textContent = "";
    $("confirm-outside").hidden = true;
    $("confirm-outside").querySelector("input").checked = false;
    Forms.showErrors($("work"), {});
    const g = position.geometry;
    if (g.type === "Point") {
      const accuracy = position.accuracy ? ` (précision ± ${Math.round(position.accuracy)} m)` : "";
      $("position").textContent = `Point ${position.source} : ${Geo.decimal(g.coordinates[1], 5)}, ${Geo.decimal(g.coordinates[0], 5)}${accuracy}`;
    } else {
      $("position").textContent = g.type === "LineString" ? `Ligne tracée (${g.coordinates.length} sommets)` : "Zone tracée";
    }
  }

  async function saveObservation(event) {
    event.preventDefault();
    const form = $("observation-form");
    $("saved").textContent = "";
    const diagnostic = currentDiagnostic();
    const values = Forms.observationValues(form);
    const commune = diagnostic && state.bundle.communes.features.find((f) => f.properties.insee === diagnostic.commune_insee);
    const confirmed = $("confirm-outside").querySelector("input").checked;
    const errors = Forms.observationErrors(state.bundle, values, state.geometry, commune, confirmed);
    if (!diagnostic) errors.diagnostic = "Choisissez le diagnostic, ou commencez-en un nouveau.";
    $("confirm-outside").hidden = !errors.outside;
    if (Object.keys(errors).length) {
      errors.summary = `À corriger avant d'enregistrer : ${Forms.fieldNames(errors).join(", ")}.`;
      Forms.showErrors($("work"), errors);
      return;
    }
    Forms.showErrors($("work"), {});
    const previous = state.editing ? await Store.item(state.editing) : null;
    if (previous && !Pending.ownedBy(previous, state.bundle)) { resetObservation(); return; } // another account's
    const item = {
      uuid: state.editing || crypto.randomUUID(),
      diagnostic_id: diagnostic.diagnostic_id,
      diagnostic_uuid: diagnostic.diagnostic_uuid,
      diagnostic_label: diagnostic.label,
      observation: { ...values, geometry: state.geometry },
      photos: Photos.list().map(({ blob, width, height }) => ({ blob, width, height })),
      photos_shareable: form.elements.photos_shareable.checked,
      login: state.bundle.actor.login, // sent only under this account: the server attributes it to who sends
      status: "pending",
      errors: {},
      created_at: previous ? previous.created_at : new Date().toISOString(),
    };
    await Store.saveItem(item);
    changed();
    resetObservation();
    notice(""); // the last send's summary no longer says what waits
    $("saved").textContent = "Observation enregistrée sur le téléphone.";
    await renderPending();
    syncNow(false);
  }

  function resetObservation() {
    const form = $("observation-form");
    form.reset();
    state.geometry = null;
    Photos.set([]);
    state.editing = null;
    if (state.map) state.map.clear();
    $("position").textContent = "Touchez la carte, utilisez le GPS, ou tracez une ligne ou une zone (boutons de la carte).";
    $("confirm-outside").hidden = true;
    $("cancel-edit").hidden = true;
    $("save").textContent = "Enregistrer l'observation";
    Forms.showErrors($("work"), {});
  }

  async function editItem(uuid) {
    const item = await Store.item(uuid);
    if (!item || !Pending.ownedBy(item, state.bundle)) return; // never another account's
    resetObservation();
    $("saved").textContent = "";
    state.editing = uuid;
    Forms.setObservationValues($("observation-form"), item.observation);
    state.geometry = item.observation.geometry;
    state.map.show(state.geometry);
    Photos.set(item.photos || []);
    $("observation-form").elements.photos_shareable.checked = !!item.photos_shareable;
    const key = item.diagnostic_uuid ? `l:${item.diagnostic_uuid}` : `s:${item.diagnostic_id}`;
    if ([...$("diagnostic").options].some((o) => o.value === key)) $("diagnostic").value = key;
    Forms.showErrors($("work"), reasonsOf(item));
    $("save").textContent = "Enregistrer la correction";
    $("cancel-edit").hidden = false;
    $("position").textContent = "Position enregistrée (touchez la carte pour la changer).";
    // Straight to what needs fixing: the map when the position was refused, else the first field.
    const errors = reasonsOf(item);
    const field = Object.keys(errors).map((key) => document.querySelector(`[data-error="${key}"]`)).find((node) => node && node.textContent);
    const target = errors.position || errors.diagnostic ? $("map") : field || $("observation-form");
    target.scrollIntoView({ behavior: "smooth", block: "center" });
  }

  // ---- pending ----

  // The server's reasons, with an outside-the-commune refusal in the phone's words (touch, French
  // decimals) when the phone's outline agrees; otherwise the server's own text.
  function reasonsOf(item) {
    const errors = { ...(item.errors || {}) };
    const geometry = item.observation.geometry;
    const local = item.diagnostic_uuid && state.localDiagnostics.find((d) => d.uuid === item.diagnostic_uuid);
    const known = state.bundle.diagnostics.find((d) => d.id === item.diagnostic_id);
    const insee = local ? local.fields.commune_insee : known && known.commune_insee;
    const commune = insee && state.bundle.communes.features.find((f) => f.properties.insee === insee);
    if (errors.position && geometry && geometry.type === "Point" && commune) {
      const [lon, lat] = geometry.coordinates;
      if (!Geo.contains(commune.geometry, lon, lat)) errors.position = Forms.outsideError(commune, lon, lat, false).position;
    }
    return errors;
  }

  async function renderPending() {
    const items = (await Store.items()).sort((a, b) => a.created_at.localeCompare(b.created_at));
    const own = Pending.render(items, state.bundle, {
      edit: editItem,
      reasons: reasonsOf,
      remove: async (uuid) => {
        const item = await Store.item(uuid);
        if (!item || !Pending.ownedBy(item, state.bundle)) return;
        if (!confirm("Supprimer cette observation du téléphone ? Elle ne sera pas envoyée.")) return;
        await Store.deleteItem(uuid);
        changed();
        renderPending();
      },
    });
    if (state.map) state.map.showPending(own);
  }

  // One send at a time: a second tap (or the automatic send) joins the one under way.
  function syncNow(manual) {
    if (!sending) sending = sendOnce(manual).finally(() => { sending = null; });
    return sending;
  }

  function sendingState(on) {
    $("send").disabled = on;
    $("send-label").textContent = on ? "Envoi en cours…" : "Envoyer";
  }

  async function sendOnce(manual) {
    if (!navigator.onLine) { if (manual) notice("Hors ligne : les observations seront envoyées au retour du réseau."); return; }
    if (!state.bundle) { if (manual) notice("Connectez-vous pour envoyer vos observations."); return; }
    const login = state.bundle.actor.login;
    const waiting = (await Store.items()).filter((item) => Sync.sendable(item, login));
    if (!waiting.length) { if (manual) notice("Rien à envoyer."); await renderPending(); return; }
    sendingState(true);
    notice("Envoi en cours…");
    try {
      notice(Sync.summary(await Sync.run(login), manual));
    } catch (err) {
      if (err instanceof Sync.LoginNeeded) await askLogin(`${err.message} Vos observations restent sur le téléphone.`);
      else notice(`Envoi interrompu (${Sync.reason(err)}) : les observations restent sur le téléphone et partiront au prochain envoi.`);
    } finally {
      sendingState(false);
      changed();
      await renderPending();
    }
  }

  // ---- communes, login ----

  function renderCommunes() {
    const list = $("communes");
    list.replaceChildren();
    state.bundle.communes.features.forEach((f) => list.appendChild(Geo.el("li", `${f.properties.name} (${f.properties.insee})`)));
    if (!state.bundle.communes.features.length) list.appendChild(Geo.el("li", "Aucune : emportez la commune du diagnostic."));
    const select = $("add-commune");
    select.replaceChildren();
    const first = Geo.el("option", "Ajouter une commune…");
    first.value = "";
    select.appendChild(first);
    state.bundle.commune_choices.forEach((c) => { const node = Geo.el("option", c.label); node.value = c.insee; select.appendChild(node); });
  }

  async function addCommune() {
    const insee = $("add-commune").value;
    if (!insee) return;
    if (!navigator.onLine) { notice("Hors ligne : ajoutez une commune quand le réseau est là."); return; }
    const communes = new Set((await Store.getMeta("communes")) || []);
    communes.add(insee);
    await Store.setMeta("communes", [...communes]);
    await loadBundle();
  }

  async function logOut() {
    const done = await Session.logOut();
    state.bundle = null;
    resetObservation();
    $("saved").textContent = "";
    $("who").textContent = "";
    $("work").hidden = true;
    $("login").hidden = false;
    await renderPending();
    notice(done
      ? "Vous êtes déconnecté. Les observations non envoyées restent sur le téléphone."
      : "Hors ligne : les données de l'équipe sont retirées du téléphone ; la déconnexion sera faite sur le serveur au retour du réseau.");
  }

  async function logIn(event) {
    event.preventDefault();
    const form = $("login-form");
    const button = form.querySelector("button[type=submit]");
    if (button.disabled) return; // already waiting for the server
    button.disabled = true;
    button.textContent = "Connexion…";
    try {
      const answer = await Session.logIn(form.elements.identifiant.value, form.elements.mot_de_passe.value);
      if (!answer.ok) { Forms.showErrors(form, { login: answer.message }); return; }
      form.reset();
      Forms.showErrors(form, {});
      $("login").hidden = true;
      notice("");
      await loadBundle();
    } finally {
      button.disabled = false;
      button.textContent = "Se connecter";
    }
  }

  function start() {
    renderNetwork();
    window.addEventListener("online", () => { renderNetwork(); loadBundle(); });
    window.addEventListener("offline", renderNetwork);
    $("send").addEventListener("click", () => syncNow(true));
    $("login-form").addEventListener("submit", logIn);
    $("diagnostic-form").addEventListener("submit", startDiagnostic);
    $("observation-form").addEventListener("submit", saveObservation);
    $("observation-form").addEventListener("input", () => { $("saved").textContent = ""; }); // the next one is being filled
    if (channel) channel.onmessage = (event) => {
      if (event.data === "signed-out") askLogin("Vous avez été déconnecté sur une autre page : les données de l'équipe ont été retirées du téléphone.");
      else { if (state.bundle) renderDiagnostics(); renderPending(); }
    };
    $("observation-form").elements.photos.addEventListener("change", async (event) => {
      Forms.showErrors($("observation-form"), await Photos.add(event.target, state.bundle.photos));
    });
    $("diagnostic").addEventListener("change", () => localStorage.setItem(CURRENT, $("diagnostic").value));
    $("locate").addEventListener("click", () => state.map && state.map.locate((message) => Forms.showErrors($("work"), { position: message })));
    $("clear-shape").addEventListener("click", () => { state.geometry = null; state.map && state.map.clear(); $("position").textContent = "Position effacée."; });
    $("cancel-edit").addEventListener("click", resetObservation);
    $("add-commune-button").addEventListener("click", addCommune);
    $("logout").addEventListener("click", logOut);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/terrain/sw.js", { scope: "/terrain/" }).catch(() => {});
      navigator.serviceWorker.addEventListener("message", (event) => OfflineTiles.progress(event, $("tiles-info")));
      const hadController = !!navigator.serviceWorker.controller;
      navigator.serviceWorker.addEventListener("controllerchange", () => {
        if (hadController) notice("Nouvelle version de la page installée : elle servira au prochain chargement.");
      });
    }
    Store.persist();
    renderPending();
    loadBundle();
  }

  start();
})();
