// The organizer's attendance board: every few seconds (data-refresh-seconds)
// fetches the board page again and swaps in the parts marked data-live (the
// QR code, the counts, the latest check-ins), and offers a full-screen
// button. Without this script the page reloads itself through its
// <noscript> meta refresh.
const board = document.getElementById("board");

async function refresh() {
  try {
    const response = await fetch(window.location.href, {
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const part of document.querySelectorAll("[data-live]")) {
      const replacement = fresh.getElementById(part.id);
      if (replacement) part.replaceWith(document.importNode(replacement, true));
    }
  } catch {
    // Offline for a moment: the code on screen stays valid one more step.
  }
}

if (board) {
  board.dataset.script = "running";
  const full = document.getElementById("fullscreen");
  if (full && board.requestFullscreen) {
    full.hidden = false;
    full.addEventListener("click", () => board.requestFullscreen());
  }
  const seconds = Number(board.dataset.refreshSeconds) || 10;
  window.setInterval(refresh, seconds * 1000);
}
