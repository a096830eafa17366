// The observation and diagnostic forms: choices from the bundle, the server's checks made
// before saving (required fields, text limits, point in the commune), errors near each field.
"use strict";

const Forms = (() => {
  // "{length} caractères, {limit} au plus" / "{lat:.5f}" filled from values (French decimals).
  function format(template, values) {
    return String(template).replace(/\{(\w+)(?::\.(\d)f)?\}/g, (all, name, digits) => {
      const value = values[name];
      if (value === undefined) return all;
      return digits ? Geo.decimal(value, Number(digits)) : String(value);
    });
  }

  // The confirmation exists because the phone's outline is simplified: it is offered only this
  // close to the boundary; a point farther out is refused outright.
  const CONFIRM_NEAR_METRES = 200;

  function outsideError(commune, lon, lat, confirmed) {
    const distance = Geo.distanceToBoundary(commune.geometry, lon, lat);
    const where = `Le point (${Geo.decimal(lat, 5)}, ${Geo.decimal(lon, 5)}) est en dehors de la commune de ${commune.properties.name}`;
    const fix = "Touchez la carte à l'intérieur de la commune ou corrigez la position.";
    if (distance > CONFIRM_NEAR_METRES) {
      const away = distance >= 1000 ? `${Geo.decimal(distance / 1000, 1)} km` : `${Math.round(distance)} m`;
      return { position: `${where}, à ${away} de sa limite. ${fix}` };
    }
    if (confirmed) return {};
    return { position: `${where} (à ${Math.round(distance)} m de sa limite). ${fix}`, outside: true };
  }

  const FIELD_NAMES = {
    diagnostic: "diagnostic", position: "position", category: "catégorie", severity: "gravité", description: "description",
    recommendation: "préconisation", partner: "partenaire", photos: "photos",
  };

  // The fields in error, as the agent reads them (for the summary under the button).
  function fieldNames(errors) {
    return Object.keys(FIELD_NAMES).filter((key) => errors[key]).map((key) => FIELD_NAMES[key]);
  }

  function showErrors(root, errors) {
    root.querySelectorAll("[data-error]").forEach((node) => {
      node.textContent = errors[node.dataset.error] || "";
    });
  }

  function option(select, value, label) {
    const node = Geo.el("option", label);
    node.value = value;
    select.appendChild(node);
  }

  function textErrors(bundle, values, limits, errors) {
    for (const [name, most] of Object.entries(limits)) {
      const length = (values[name] || "").trim().length;
      if (length > most && !errors[name]) errors[name] = format(bundle.messages.text_too_long, { length, limit: most });
    }
  }

  // ---- observation ----

  function fillObservationChoices(form, bundle) {
    const category = form.elements.category;
    category.replaceChildren();
    option(category, "", "Choisissez une catégorie");
    bundle.taxonomy.categories.forEach((c) => option(category, c.code, c.label));
    const severities = document.getElementById("severities");
    severities.replaceChildren();
    bundle.taxonomy.severities.forEach((s) => {
      const label = Geo.el("label");
      const input = document.createElement("input");
      Object.assign(input, { type: "radio", name: "severity", value: String(s.level) });
      label.append(input, Geo.el("span", `${s.level} — ${s.label}`));
      severities.appendChild(label);
    });
    const shared = document.getElementById("shared");
    shared.replaceChildren();
    bundle.shareable_fields.forEach((f) => {
      const label = Geo.el("label", null, "check");
      const input = document.createElement("input");
      Object.assign(input, { type: "checkbox", name: "shared", value: f.code });
      label.append(input, Geo.el("span", f.label));
      shared.appendChild(label);
    });
    const partners = document.getElementById("partners");
    partners.replaceChildren();
    bundle.partners.forEach((p) => { const node = document.createElement("option"); node.value = p; partners.appendChild(node); });
  }

  function observationValues(form) {
    const severity = form.querySelector("input[name=severity]:checked");
    return {
      category: form.elements.category.value || null,
      severity: severity ? Number(severity.value) : null,
      description: form.elements.description.value,
      recommendation: form.elements.recommendation.value,
      partner: form.elements.partner.value,
      shared_fields: [...form.querySelectorAll("input[name=shared]:checked")].map((input) => input.value),
    };
  }

  function setObservationValues(form, values) {
    form.elements.category.value = values.category || "";
    form.querySelectorAll("input[name=severity]").forEach((input) => { input.checked = Number(input.value) === values.severity; });
    form.elements.description.value = values.description || "";
    form.elements.recommendation.value = values.recommendation || "";
    form.elements.partner.value = values.partner || "";
    const shared = new Set(values.shared_fields || []);
    form.querySelectorAll("input[name=shared]").forEach((input) => { input.checked = shared.has(input.value); });
  }

  // The server's rules, checked on the phone: errors per field ({} when valid).
  // `commune` is the diagnostic's commune feature (simplified outline) or null.
  function observationErrors(bundle, values, geometry, commune, outsideConfirmed) {
    const m = bundle.messages;
    const errors = {};
    if (!values.category) errors.category = m.category_required;
    if (![1, 2, 3, 4].includes(values.severity)) errors.severity = m.severity_invalid;
    if (!values.description.trim()) errors.description = m.description_required;
    textErrors(bundle, values, bundle.limits.observation, errors);
    if (!geometry) {
      errors.position = "Placez l'observation : touchez la carte, utilisez le GPS ou tracez une ligne ou une zone.";
    } else if (geometry.type === "Point" && commune) {
      const [lon, lat] = geometry.coordinates;
      if (!Geo.contains(commune.geometry, lon, lat)) Object.assign(errors, outsideError(commune, lon, lat, outsideConfirmed));
    }
    return errors;
  }

  // ---- diagnostic started on the phone ----

  function fillDiagnosticChoices(form, bundle) {
    const team = form.elements.team_id;
    team.replaceChildren();
    bundle.teams.forEach((t) => option(team, String(t.id), t.name));
    const commune = form.elements.commune_insee;
    commune.replaceChildren();
    option(commune, "", "Choisissez la commune");
    bundle.communes.features.forEach((f) => option(commune, f.properties.insee, `${f.properties.name} (${f.properties.insee})`));
    if (!form.elements.visited_on.value) form.elements.visited_on.value = Geo.todayParis();
    form.elements.visited_on.max = Geo.todayParis();
  }

  function diagnosticValues(form) {
    const get = (name) => form.elements[name].value;
    return {
      team_id: get("team_id") ? Number(get("team_id")) : null,
      commune_insee: get("commune_insee") || null,
      place: get("place"),
      visited_on: get("visited_on") || null,
      participants: get("participants"),
      context: get("context"),
    };
  }

  function diagnosticErrors(bundle, values) {
    const m = bundle.messages;
    const errors = {};
    if (!values.team_id) errors.team_id = m.team_required;
    if (!values.commune_insee) errors.commune_insee = m.commune_required;
    if (!values.place.trim()) errors.place = m.place_required;
    if (!values.visited_on) errors.visited_on = m.date_required;
    else if (values.visited_on > Geo.todayParis()) errors.visited_on = format(m.date_in_future, { date: Geo.frenchDate(values.visited_on) });
    textErrors(bundle, values, bundle.limits.diagnostic, errors);
    return errors;
  }

  return {
    format, outsideError, showErrors, fieldNames, fillObservationChoices, observationValues, setObservationValues, observationErrors,
    fillDiagnosticChoices, diagnosticValues, diagnosticErrors,
  };
})();
