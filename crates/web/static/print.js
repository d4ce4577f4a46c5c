// Print buttons (打印): hidden until this runs, so a page without scripts shows no dead button.
for (const button of document.querySelectorAll("button[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
