r"""Math as plain text for the search index: ``\(\partial L/\partial a\)`` becomes ``∂L/∂a``.

The pages keep their TeX (KaTeX renders it in the browser); the search index is read as text, so
its previews would show the TeX source. `tex_to_text` writes the same formula with Unicode symbols
instead: exact for the symbols below, an approximation for layout (``\frac{a}{b}`` is ``a/b``).
"""

from __future__ import annotations

import re
import unicodedata

# TeX command -> the character it shows (pairs, read by `dict`).
SYMBOLS = dict(
    re.findall(
        r"(\w+):(\S)",
        "alpha:α beta:β gamma:γ delta:δ epsilon:ϵ varepsilon:ε zeta:ζ eta:η theta:θ kappa:κ"
        " lambda:λ mu:μ nu:ν xi:ξ pi:π rho:ρ sigma:σ tau:τ phi:ϕ varphi:φ chi:χ psi:ψ omega:ω"
        " Gamma:Γ Delta:Δ Theta:Θ Lambda:Λ Pi:Π Sigma:Σ Phi:Φ Psi:Ψ Omega:Ω"
        " partial:∂ nabla:∇ cdot:· ast:∗ times:× approx:≈ le:≤ leq:≤ ge:≥ geq:≥ ne:≠ neq:≠"
        " pm:± sim:~ in:∈ infty:∞ sum:Σ prod:Π to:→ rightarrow:→ Rightarrow:⇒"
        " Longrightarrow:⟹ dots:… ldots:… cdots:⋯ sqrt:√ lvert:| rvert:| mid:|",
    )
)
SYMBOLS |= {"quad": " ", "qquad": " "}
# Written as their names: log x, max(a, b).
NAMED = frozenset(
    re.findall(r"\w+", "log ln exp sin cos tan sinh cosh tanh arctan max min det sign")
)
# Dropped with their braces' content kept: \text{if} -> if.
WRAPPERS = r"text|operatorname|mathrm|mathsf|mathcal|mathbf|mathit|boldsymbol"
SUPERSCRIPT = str.maketrans("0123456789+-−=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿ")
SUBSCRIPT = str.maketrans("0123456789+-−=()aeiorxnkt", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑᵢₒᵣₓₙₖₜ")
MATH = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]|\$\$(.*?)\$\$", re.DOTALL)


def _script(body: str, mark: str) -> str:
    """``^2`` as ``²`` when every character has a superscript (``_``: subscript) form.

    Else ``^(n+1)``; ``^*`` is ``*``.
    """
    if body in ("\\ast", "*", "∗"):
        return "*"
    table = SUPERSCRIPT if mark == "^" else SUBSCRIPT
    if all(ord(c) in table for c in body):
        return body.translate(table)
    return f"{mark}{body}" if len(body) == 1 or body.startswith("\\") else f"{mark}({body})"


def _group(part: str) -> str:
    """A fraction's numerator or denominator, in parentheses if it is more than one term."""
    part = part.strip("{}").strip()
    return f"({part})" if re.search(r"[\s+\-]", part) else part


def tex_to_text(tex: str) -> str:
    r"""One TeX formula (no delimiters) as plain text with Unicode symbols.

    >>> tex_to_text(r"\partial L/\partial a = 2x(\hat y - y)")
    '∂L/∂a = 2x(ŷ - y)'
    >>> tex_to_text(r"x := x - \eta f'(x), \quad x_{t+1} = \tfrac{1}{2} x_t^2")
    "x := x - η f'(x), xₜ₊₁ = 1/2 xₜ²"
    """
    s = re.sub(r"\\(?:begin|end)\{[^}]*\}", " ", tex)
    s = re.sub(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)\b", "", s)
    s = re.sub(rf"\\(?:{WRAPPERS})\s*(?:\{{([^{{}}]*)\}}|([A-Za-z]))", lambda m: m[1] or m[2], s)
    s = re.sub(r"&amp;|&(?![a-z]+;)", " ", s)  # matrix and cases columns (not &lt;)
    s = re.sub(r"\\hat\s*\{?([A-Za-z])\}?", "\\1\u0302", s)
    s = s.replace("\\\\", "; ").replace("\\{", "{").replace("\\}", "}").replace("\\%", "%")
    s = re.sub(r"\\[,;:! ]", " ", s)

    def command(match: re.Match[str]) -> str:
        name = match[1]
        return SYMBOLS.get(name, name if name in NAMED else match[0])

    s = re.sub(r"\\([A-Za-z]+)", command, s)
    s = re.sub(r"([∂∇√]) (?=\w)", r"\1", s)  # \partial L is ∂L
    s = re.sub(r"\^\{([^{}]*)\}|\^(\\[A-Za-z]+|.)", lambda m: _script(m[1] or m[2], "^"), s)
    s = re.sub(r"_\{([^{}]*)\}|_(\\[A-Za-z]+|.)", lambda m: _script(m[1] or m[2], "_"), s)
    part = r"(\{[^{}]*\}|\\?\w)"
    for _ in range(3):  # nested fractions, innermost first
        s = re.sub(rf"\\[dt]?frac\s*{part}\s*{part}", lambda m: f"{_group(m[1])}/{_group(m[2])}", s)

    s = s.replace("{", "").replace("}", "")
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", s).strip())  # ŷ as one letter


def strip_math(text: str) -> str:
    r"""Every ``\( \)``, ``\[ \]`` and ``$$ $$`` formula in `text` as `tex_to_text`."""
    return MATH.sub(lambda m: tex_to_text(next(g for g in m.groups() if g is not None)), text)
