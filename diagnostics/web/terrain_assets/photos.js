// The photos of the observation being filled: resized on the phone, shown as thumbnails that
// can be removed one by one.
"use strict";

const Photos = (() => {
  const $ = (id) => document.getElementById(id);
  let photos = [];

  function render() {
    const box = $("thumbs");
    box.querySelectorAll("img").forEach((img) => URL.revokeObjectURL(img.src));
    box.replaceChildren();
    photos.forEach((photo, index) => {
      const figure = document.createElement("figure");
      const img = document.createElement("img");
      img.src = URL.createObjectURL(photo.blob);
      img.alt = `Photo ${index + 1}`;
      const remove = Geo.el("button", "×");
      remove.type = "button";
      remove.setAttribute("aria-label", `Retirer la photo ${index + 1}`);
      remove.addEventListener("click", () => { photos.splice(index, 1); render(); });
      figure.append(img, remove);
      box.appendChild(figure);
    });
    $("photos-shareable-label").hidden = photos.length === 0;
  }

  // The files of a file input, resized; returns the errors to show ({} when all were kept).
  async function add(input, limits) {
    const errors = {};
    for (const file of input.files) {
      if (photos.length >= limits.max_count) { errors.photos = `${limits.max_count} photos au plus par observation.`; break; }
      try {
        photos.push(await Geo.resizePhoto(file, limits.max_side));
      } catch (err) {
        errors.photos = `« ${file.name} » n'est pas une photo lisible (fichier écarté).`;
      }
    }
    input.value = "";
    render();
    return errors;
  }

  function set(list) {
    photos = [...list];
    render();
  }

  return { add, set, list: () => photos };
})();
