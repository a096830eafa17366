// The list of what waits on the phone: each observation, its state (waiting, refused with the
// server's reasons) and its « Modifier » / « Supprimer » buttons. Text only through textContent.
"use strict";

const Pending = (() => {
  const $ = (id) => document.getElementById(id);

  function stateOf(item, bundle) {
    if (bundle && item.login && item.login !== bundle.actor.login) {
      return `Enregistrée par ${item.login} : envoyée quand ${item.login} se connecte sur ce téléphone.`;
    }
    const reasons = Object.values(item.errors || {}).filter((value) => typeof value === "string");
    if (item.status === "refused") return `Refusée : ${reasons.join(" ")}`;
    return reasons.length ? `En attente (${reasons.join(" ")})` : "En attente d'envoi";
  }

  function button(label, action) {
    const node = Geo.el("button", label);
    node.type = "button";
    node.addEventListener("click", action);
    return node;
  }

  function card(item, bundle, categories, actions) {
    const li = Geo.el("li", null, item.status === "refused" ? "refused" : "");
    const { category, severity, description } = item.observation;
    li.appendChild(Geo.el("div", `${categories.get(category) || ""} — gravité ${severity}`, "what"));
    li.appendChild(Geo.el("div", description));
    const photos = item.photos && item.photos.length ? ` · ${item.photos.length} photo(s)` : "";
    li.appendChild(Geo.el("div", `${item.diagnostic_label || ""}${photos}`, "hint"));
    li.appendChild(Geo.el("div", stateOf(item, bundle), "state"));
    const row = Geo.el("div", null, "row");
    row.append(button("Modifier", () => actions.edit(item.uuid)), button("Supprimer", () => actions.remove(item.uuid)));
    li.appendChild(row);
    return li;
  }

  // items: oldest first; actions: {edit(uuid), remove(uuid)}.
  function render(items, bundle, actions) {
    $("pending").textContent = String(items.length);
    const refused = items.filter((item) => item.status === "refused").length;
    $("pending-summary").textContent = items.length
      ? `${items.length} observation(s) sur le téléphone${refused ? `, dont ${refused} refusée(s) à corriger` : ""}.`
      : "Rien en attente : tout a été envoyé.";
    const categories = new Map(bundle ? bundle.taxonomy.categories.map((c) => [c.code, c.label]) : []);
    $("pending-list").replaceChildren(...items.map((item) => card(item, bundle, categories, actions)));
  }

  return { render };
})();
