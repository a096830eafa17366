// « Trier par distance » on Saisie terrain: the device's position (the browser's geolocation),
// handed to the page as this component's state, so that the nearest contre-visites come first.
// A refused permission or a failure is said in French next to the button; nothing is sent then.
export default function (component) {
  const { parentElement, setStateValue } = component;
  const button = parentElement.querySelector("button");
  const status = parentElement.querySelector(".status");
  const say = (text) => { status.textContent = text; status.hidden = !text; };
  button.disabled = false; // enabled once this script listens: an earlier tap would be lost
  button.onclick = () => {
    if (!navigator.geolocation) {
      say("Ce navigateur ne donne pas la position : la liste reste triée par commune.");
      return;
    }
    say("Recherche de la position…");
    navigator.geolocation.getCurrentPosition(
      (found) => {
        const accuracy = Math.round(found.coords.accuracy);
        say("Position trouvée, précision \u00b1 " + accuracy + " m : les plus proches d'abord.");
        setStateValue("position", { lat: found.coords.latitude, lon: found.coords.longitude, accuracy });
      },
      (error) => {
        say(error.code === 1
          ? "Accès à la position refusé : autorisez la localisation pour ce site dans les réglages du "
            + "navigateur. La liste reste triée par commune."
          : "Position indisponible pour l'instant (pas de signal ?) : la liste reste triée par commune.");
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
    );
  };
}
