// The check-in page (/c/TOKEN): when the activity has a geofence, asks the
// phone for its location on submit and fills the hidden lat/lon/accuracy
// fields. Without permission, without a fix within 10 s, or without this
// script, the form is sent as it is and the server explains the refusal.
const form = document.getElementById("checkin-form");
if (form) form.dataset.script = "ready";

if (form && form.dataset.fenced === "1" && "geolocation" in navigator) {
  let sending = false;
  const send = () => {
    if (sending) return;
    sending = true;
    form.submit();
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const note = document.getElementById("locating");
    if (note) note.hidden = false;
    const button = document.getElementById("checkin-submit");
    if (button) button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        form.elements.lat.value = String(position.coords.latitude);
        form.elements.lon.value = String(position.coords.longitude);
        form.elements.accuracy.value = String(position.coords.accuracy);
        send();
      },
      send,
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 0 },
    );
  });
}
