// Render the math that pymdownx.arithmatex (generic mode) wraps in \( \) and \[ \], with the
// KaTeX copy shipped in docs/assets/katex. Material's document$ fires on every page load,
// including instant navigation.
document$.subscribe(({ body }) => {
  renderMathInElement(body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
    ],
    throwOnError: false,
  });
});
