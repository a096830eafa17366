// The list of what waits on the phone: each observation, its state (waiting, refused with the
// server's reasons) and its « Modifier » / « Supprimer » buttons. Text only through textContent.
// On a shared phone, another account's items are only counted: no content, no buttons.
"use strict";

const Pending = (() => {
  const $ = (id) => document.getElementById(id);

  const ownedBy = (item, bundle) => !!bundle && !!item.login && item.login === bundle.actor.login;

  function stateOf(item, errors) {
    const reasons = Object.values(errors || {}).filter((value) => typeof value === "string");
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
    li.appendChild(Geo.el("div", stateOf(item, actions.reasons(item)), "state"));
    const row = Geo.el("div", null, "row");
    row.append(button("Modifier", () => actions.edit(item.uuid)), button("Supprimer", () => actions.remove(item.uuid)));
    li.appendChild(row);
    return li;
  }

  // all: every item on the phone, oldest first; actions: {edit(uuid), remove(uuid), reasons(item)}.
  // Returns the signed-in account's own items (the others are never shown).
  function render(all, bundle, actions) {
    const items = all.filter((item) => ownedBy(item, bundle));
    const others = all.length - items.length;
    // Signed out, the badge counts everything the phone keeps (no content is shown anyway).
    $("pending").textContent = String(bundle ? items.length : all.length);
    const refused = items.filter((item) => item.status === "refused").length;
    $("pending-summary").textContent = items.length
      ? `${items.length} observation(s) sur le téléphone${refused ? `, dont ${refused} à corriger` : ""}.`
      : "Rien en attente : tout a été envoyé.";
    if (!items.length && all.length) $("pending-summary").textContent = "Rien en attente pour votre compte.";
    $("pending-others").textContent = others
      ? `${others} observation(s) d'un autre compte attendent sur ce téléphone : elles partiront quand ce compte s'y connectera.`
      : "";
    const categories = new Map(bundle ? bundle.taxonomy.categories.map((c) => [c.code, c.label]) : []);
    $("pending-list").replaceChildren(...items.map((item) => card(item, bundle, categories, actions)));
    return items;
  }

  return { render, ownedBy };
})();
