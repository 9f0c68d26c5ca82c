"""Phone viewports and the in-page measures of a page made for them.

Shared by the phone browser tests and `bin/screenshots`, so the README's figures and the
tests measure the same way.
"""

PHONE_WIDTHS = (360, 390, 414)
PHONE_HEIGHT = 780
MIN_TARGET_PX = 44  # WCAG 2.5.5 (target size, enhanced)
MIN_CHARS_PER_LINE = 4

# A phone as Chromium emulates it: a small viewport that honours <meta name=viewport>,
# touch events and a dense screen.
PHONE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36"
)


def phone_context(browser, width, *, locale="zh-CN", device_scale_factor=2, **options):
    return browser.new_context(
        viewport={"width": width, "height": PHONE_HEIGHT},
        screen={"width": width, "height": PHONE_HEIGHT},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=device_scale_factor,
        user_agent=PHONE_USER_AGENT,
        locale=locale,
        **options,
    )


# What a finger has to hit: buttons, link-buttons, form controls and the toggles of
# <details>; a checkbox, radio or file field is hit through its <label> (the file
# pickers are labels styled as buttons), so the label is measured.
# Links inside running text are exempt in WCAG 2.5.5 and not measured.
MEASURE_JS = """
({minTarget, minChars}) => {
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && s.display !== 'none';
  };
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '').trim();
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
      (text ? ' "' + text.slice(0, 24) + '"' : '');
  };
  const targets = new Set();
  const sel = 'button, .button, a[role=button], input:not([type=hidden]), select, textarea, summary, ' +
              '.mainnav a, .pagination a, .counts .count';
  for (const el of document.querySelectorAll(sel)) {
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio], input[type=file]')) {
      target = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`)) || el;
    }
    if (shown(el) || (target !== el && shown(target))) targets.add(target);
  }
  const controls = [...targets].map((el) => ({
    what: describe(el), height: Math.round(el.getBoundingClientRect().height * 10) / 10,
  }));
  controls.sort((a, b) => a.height - b.height);

  // Text that wraps: its widest line, in characters of its font size. Text on one line
  // is as wide as it needs to be; text squeezed into a column wraps into narrow lines.
  const narrow = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => n.textContent.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT,
  });
  let node;
  while ((node = walker.nextNode())) {
    const parent = node.parentElement;
    if (!parent || parent.closest('script, style, noscript, option, select, textarea, svg')) continue;
    if (!shown(parent)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const lines = new Map();
    for (const r of range.getClientRects()) {
      if (r.width === 0) continue;
      const top = Math.round(r.top);
      lines.set(top, Math.max(lines.get(top) || 0, r.width));
    }
    if (lines.size < 2) continue;
    const fontSize = parseFloat(getComputedStyle(parent).fontSize);
    const chars = Math.max(...lines.values()) / fontSize;
    narrow.push({what: describe(parent), text: node.textContent.trim().slice(0, 30),
                 chars: Math.round(chars * 10) / 10, lines: lines.size});
  }
  narrow.sort((a, b) => a.chars - b.chars);
  return {
    url: location.pathname,
    innerWidth: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    controls,
    smallest: controls.length ? controls[0].height : null,
    tooSmall: controls.filter((c) => c.height < minTarget),
    narrowest: narrow.length ? narrow[0].chars : null,
    tooNarrow: narrow.filter((t) => t.chars < minChars),
  };
}
"""


def measure(page):
    """The figures of the page as it is now shown (run after it has loaded)."""
    return page.evaluate(MEASURE_JS, {"minTarget": MIN_TARGET_PX, "minChars": MIN_CHARS_PER_LINE})
