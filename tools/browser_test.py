"""Test the HTML book in a real browser (`make test-browser`): Debian's headless Chromium, driven by
Python Playwright (`executable_path`, never a browser download), over every page of the book.

The script serves the built site on 127.0.0.1 (a free port, its own http.server thread, stopped at the
end) and, for every page, checks that
- it loads (HTTP 200) with no console error, no uncaught exception and no failed local request;
- the browser requests nothing from any host but the local server (every request is recorded; others
  are aborted before they leave the machine and reported): launch buttons and repository links are
  links, never requests;
- math is typeset by the locally served MathJax: every math element holds an `mjx-container`, none
  holds a MathJax error, and no raw `$$`, `\\(` or `\\[` is left in the text;
- every `<img>` has loaded (naturalWidth > 0);
- every collapsed block (exercise solutions: sphinx-design/sphinx-togglebutton dropdowns, myst-nb
  `hide-input`/`hide-output` cells) is hidden at first and visible after a click on its toggle;
- everything fits its column, at 1280 px and at a 390-px phone width: at 1280 px no display equation is
  wider than its box (it would need a sideways scroll), no printed output needs one, and no box
  (admonition, dropdown, figure), table or output sticks out of the article's column; at 390 px nothing
  sticks out (an equation or a table may scroll inside its own box there), and the page itself never
  scrolls sideways. Each failure names the element; for an equation, its LaTeX and both widths
  (`--overflow-report FILE` writes every overflowing equation as a Markdown table, page by page);
- the launch buttons (Binder, Colab) of a chapter page (a title "3.N ...") open that section's exercise
  notebook `nnbook/starters/exercises-3.N.ipynb`, for the repository of `settings.ini` (`git_url`), and
  no launch link on any page opens a notebook with nbdev's `#|` lines (the chapter notebooks `nbs/...`).
A full-page screenshot of each page goes to `<screenshots>/<page>.png`. One line per page; exit 1 if
any page fails.

Usage: python tools/browser_test.py [--html _build/html] [--screenshots _build/screenshots]
                                    [--chromium /usr/bin/chromium] [--page nbs/03_forward] ...
                                    [--overflow-report overflow.md]
"""
import argparse
import configparser
import functools
import http.server
import json
import re
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import yaml

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
                 "--disable-domain-reliability", "--disable-client-side-phishing-detection"]
LOCAL_SCHEMES = {"data", "blob", "about"}
MATH_TIMEOUT_MS = 30_000

# in the page: math typeset? (run after MathJax's startup promise)
JS_MATH = """() => {
  const math = [...document.querySelectorAll('.math, span.math, div.math')]
      .filter(e => !e.closest('pre, code, .highlight'));
  const untypeset = math.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 60));
  // MathJax's own errors, and undefined macros (its noundefined extension prints them in red)
  const chars = e => [...e.querySelectorAll('mjx-c')].map(c => {
      const m = [...c.classList].join(' ').match(/mjx-c([0-9A-F]+)/);
      return m ? String.fromCodePoint(parseInt(m[1], 16)) : '?'; }).join('');
  const errors = [...document.querySelectorAll('mjx-merror, mjx-container [data-mjx-error]')]
      .map(e => (e.getAttribute('data-mjx-error') || chars(e) || e.textContent).slice(0, 80))
      .concat([...document.querySelectorAll('mjx-container mjx-mtext[style*="color: red"]')]
      .map(chars).filter(t => t.charCodeAt(0) === 92).map(t => 'undefined macro ' + t.slice(0, 60)));
  const raw = [];
  const walker = document.createTreeWalker(document.querySelector('main') || document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest('pre, code, script, style, textarea, mjx-container, .highlight, .output')) continue;
    const m = n.textContent.match(/\\$\\$|\\\\\\(|\\\\\\[|\\\\begin\\{/);
    if (m) raw.push(n.textContent.trim().slice(0, 60));
  }
  return {n: math.length, containers: document.querySelectorAll('mjx-container').length,
          untypeset, errors, raw};
}"""

JS_IMAGES = """() => [...document.images].map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0}))"""

# collapsed blocks: <details> (sphinx-design dropdowns, myst-nb hide-input/-output, togglebutton
# dropdown admonitions) and sphinx-togglebutton's hidden toggles; marks each with data-bt-id
JS_TOGGLES = """() => {
  const out = [];
  let i = 0;
  for (const d of document.querySelectorAll('main details:not([open])')) {
    const s = d.querySelector(':scope > summary');
    const body = [...d.children].find(c => c.tagName !== 'SUMMARY');
    if (!s || !body) continue;
    d.dataset.btId = i; s.dataset.btClick = i; body.dataset.btBody = i;
    out.push({id: i++, kind: 'details.' + [...d.classList].join('.'),
              label: (s.innerText || '').trim().slice(0, 50)});
  }
  for (const t of document.querySelectorAll('main .toggle-hidden')) {
    let b, body;
    if (t.classList.contains('admonition')) {      // dropdown admonition: the title stays visible
      // the button in the title (a click on markup inside the title, e.g. <code>, does nothing)
      b = t.querySelector(':scope > .admonition-title button.toggle-button, :scope > button.toggle-button') ||
          t.querySelector(':scope > .admonition-title');
      body = t.querySelector(':scope > .admonition-title ~ *');
    } else {                                        // {toggle}: a button before the hidden block
      b = (t.id && document.querySelector(`button.toggle-button[data-target="#${t.id}"]`)) ||
          (t.previousElementSibling && t.previousElementSibling.matches('button.toggle-button') && t.previousElementSibling);
      body = t;
    }
    if (!b || !body) continue;
    b.dataset.btClick = i; body.dataset.btBody = i;
    const title = t.querySelector('.admonition-title');
    out.push({id: i++, kind: 'toggle.' + [...t.classList].join('.'),
              label: ((title && title.innerText) || b.innerText || '').trim().slice(0, 50)});
  }
  return out;
}"""


# in the page: what does not fit the column? (after MathJax has typeset). Returns the column's width and
# {kind, what, width, room} for every equation wider than its box, output that needs a sideways scroll,
# and element that sticks out of the column without a scrolling box of its own around it.
JS_OVERFLOW = r"""(strict) => {
  const col = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const cs = getComputedStyle(col), r = col.getBoundingClientRect();
  const left = r.left + parseFloat(cs.paddingLeft), right = r.right - parseFloat(cs.paddingRight);
  const out = [];
  const label = e => {
    const h = [...document.querySelectorAll('article h1, article h2, article h3')]
        .filter(x => x.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING).pop();
    return h ? h.textContent.replace(/#\s*$/, '').trim().slice(0, 50) : '';
  };
  const scrolls = (e) => {                 // inside a box that scrolls or clips, itself within the column
    for (let a = e.parentElement; a && a !== col; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox !== 'visible') return a.getBoundingClientRect().right <= right + 1 ? a : null;
    }
    return null;
  };
  const tex = new Map();
  try {
    for (const item of MathJax.startup.document.math) if (item.display && item.typesetRoot) tex.set(item.typesetRoot, item.math);
  } catch (e) {}
  // display equations: the typeset formula against the room its box gives it
  for (const c of document.querySelectorAll('article mjx-container[display="true"]')) {
    const m = c.querySelector(':scope > mjx-math') || c.firstElementChild;
    if (!m) continue;
    const width = m.getBoundingClientRect().width;
    const box = c.closest('div.math') || c;
    const bs = getComputedStyle(box);
    const room = Math.min(box.clientWidth - parseFloat(bs.paddingLeft) - parseFloat(bs.paddingRight), right - left);
    const latex = (tex.get(c) || box.getAttribute('data-latex') || '').replace(/\s+/g, ' ').trim();
    if (width > room + 1) {
      const own = getComputedStyle(box).overflowX !== 'visible' || getComputedStyle(c).overflowX !== 'visible';
      out.push({kind: 'equation', what: latex.slice(0, 60), width: Math.round(width), room: Math.round(room),
                where: label(c), scrolls_in_own_box: own});
    }
  }
  // outputs that need a sideways scroll (at 1280 px they must wrap)
  if (strict) for (const p of document.querySelectorAll('article .cell_output pre, article div.output pre')) {
    if (p.scrollWidth > p.clientWidth + 1)
      out.push({kind: 'output', what: p.textContent.trim().split('\n')[0].slice(0, 60),
                width: p.scrollWidth, room: p.clientWidth, where: label(p)});
  }
  // boxes, tables, outputs and figures that stick out of the column
  const sel = 'article div.admonition, article details, article .sd-card, article table, article .cell_output, ' +
              'article figure, article img, article div.math, article mjx-container[display="true"], article pre, ' +
              'article .highlight, article .cell';
  for (const e of document.querySelectorAll(sel)) {
    const b = e.getBoundingClientRect();
    if (b.width === 0 || e.closest('.toggle-hidden, details:not([open]) > :not(summary)')) continue;
    if (b.right > right + 1 || b.left < left - 1) {
      if (scrolls(e)) continue;
      out.push({kind: 'sticks out', what: e.tagName.toLowerCase() + '.' + [...e.classList].slice(0, 2).join('.') +
                ' ' + (e.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40),
                width: Math.round(b.width), room: Math.round(right - left), where: label(e)});
    }
  }
  const page = document.documentElement.scrollWidth - window.innerWidth;
  if (page > 1) out.push({kind: 'page', what: 'the page scrolls sideways', width: document.documentElement.scrollWidth,
                          room: window.innerWidth, where: ''});
  return {column: Math.round(right - left), items: out};
}"""

WIDTHS = ((1280, 900), (390, 844))
STARTER = re.compile(r"nnbook/starters/exercises-(\d+\.\d+)\.ipynb$")


def overflow_problems(items, width):
    """The failures among the overflow measurements at one window width."""
    problems = []
    for i in items:
        if width < 1280 and i["kind"] == "equation":
            if i.get("scrolls_in_own_box"):
                continue                       # allowed on a phone: it scrolls inside its own box
        where = f" (under {i['where']!r})" if i.get("where") else ""
        if i["kind"] == "equation":
            problems.append(f"at {width} px an equation {i['width']} px wide in {i['room']} px{where}: {i['what']!r}")
        elif i["kind"] == "output":
            problems.append(f"at {width} px an output needs a sideways scroll ({i['width']} px in {i['room']} px)"
                            f"{where}: {i['what']!r}")
        else:
            problems.append(f"at {width} px {i['what']!r} sticks out of the column ({i['width']} px in "
                            f"{i['room']} px){where}")
    return problems


def launch_problems(hrefs, title, prefixes, root):
    """The launch links of a page: a chapter page's open its section's exercise notebook; none opens a
    notebook with `#|` lines."""
    problems = []
    launch = [h for h in hrefs if any(h.startswith(p) for p in prefixes)]
    m = re.match(r"\s*(\d+\.\d+)\s", title or "")
    starter = f"nnbook/starters/exercises-{m.group(1)}.ipynb" if m else None
    if starter and (Path(root) / starter).is_file():
        for prefix in prefixes:
            mine = [h for h in launch if h.startswith(prefix)]
            if not mine:
                problems.append(f"no launch button linking to {prefix}...")
            elif not any(h.endswith(starter) for h in mine):
                problems.append(f"the launch button {mine[0][:100]} does not open {starter}")
    for h in launch:
        path = re.split(r"/blob/[^/]+/|urlpath=[a-z]+/tree/", h)[-1] if re.search(r"/blob/|urlpath=", h) else ""
        if not path.endswith(".ipynb"):
            continue
        local = Path(root) / path
        if not local.is_file():
            problems.append(f"a launch link opens {path}, which is not in the repository")
            continue
        cells = json.loads(local.read_text(encoding="utf-8")).get("cells", [])
        code = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                for c in cells if c["cell_type"] == "code"]
        if any(line.lstrip().startswith("#|") for src in code for line in src.splitlines()):
            problems.append(f"a launch link opens {path}, a notebook with nbdev's #| lines (open a starter instead)")
        elif STARTER.search(path) and starter and not path.endswith(starter):
            problems.append(f"a launch link opens {path}, not this section's {starter}")
    return problems


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def start_server(root):
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


def book_pages(html_root, toc_path):
    """Pages of the book: those of `_toc.yml` (in order), then any other .html under nbs/ and book/."""
    names = []
    if toc_path and Path(toc_path).is_file():
        sys.path.insert(0, str(Path(__file__).parent))
        from check_pdf import toc_files
        names = [n.rsplit(".", 1)[0] if n.endswith((".ipynb", ".md")) else n for n in toc_files(toc_path)]
    for sub in ("nbs", "book"):
        for p in sorted((html_root / sub).rglob("*.html")) if (html_root / sub).is_dir() else []:
            n = p.relative_to(html_root).with_suffix("").as_posix()
            if n not in names:
                names.append(n)
    return names


def expected_launch_links(root):
    """URL prefixes of the launch buttons a notebook page must show, from _config.yml and settings.ini."""
    cfg = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    problems = []
    repo = (cfg.get("repository") or {}).get("url", "").rstrip("/")
    ini = root / "settings.ini"
    if ini.is_file():
        parser = configparser.ConfigParser()
        parser.read(ini, encoding="utf-8")
        git_url = parser["DEFAULT"].get("git_url", "").rstrip("/")
        if git_url and git_url != repo:
            problems.append(f"_config.yml repository.url {repo!r} differs from settings.ini git_url {git_url!r}")
    launch = cfg.get("launch_buttons") or {}
    prefixes = []
    path = urlsplit(repo).path.strip("/")  # owner/name
    if launch.get("binderhub_url"):
        prefixes.append(launch["binderhub_url"].rstrip("/") + "/v2/gh/" + path)
    if launch.get("colab_url"):
        prefixes.append(launch["colab_url"].rstrip("/") + "/github/" + path)
    return prefixes, problems


def check_page(context, base, name, shot_dir, launch_prefixes, is_notebook, root="."):
    """Load one page and check it; returns (problems, summary)."""
    problems, requests, foreign = [], [], []
    host = urlsplit(base).netloc
    page = context.new_page()

    def on_route(route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES or parts.netloc == host:
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    page.route("**/*", on_route)
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text[:200]}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"uncaught exception: {str(e)[:200]}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})")
            if urlsplit(r.url).netloc == host else None)
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 and urlsplit(r.url).netloc == host else None)

    summary = {}
    try:
        resp = page.goto(f"{base}/{name}.html", wait_until="load", timeout=60_000)
        if resp is None or resp.status != 200:
            problems.append(f"page load: HTTP {resp.status if resp else 'no response'}")
        page.wait_for_load_state("networkidle", timeout=30_000)

        # math, typeset by the local MathJax
        has_mathjax = page.evaluate("() => !!(window.MathJax && window.MathJax.startup)")
        n_math_nodes = page.evaluate("() => document.querySelectorAll('main .math').length")
        if n_math_nodes and not has_mathjax:
            problems.append(f"{n_math_nodes} math elements but MathJax is not loaded")
        if has_mathjax:
            page.wait_for_function("() => window.MathJax.startup.promise !== undefined", timeout=MATH_TIMEOUT_MS)
            page.evaluate("() => window.MathJax.startup.promise")
            m = page.evaluate(JS_MATH)
            summary["math"] = m["n"]
            for t in m["untypeset"][:5]:
                problems.append(f"math not typeset: {t!r}")
            for t in m["errors"][:5]:
                problems.append(f"MathJax error: {t!r}")
            for t in m["raw"][:5]:
                problems.append(f"raw TeX left in the text: {t!r}")

        # images
        imgs = page.evaluate(JS_IMAGES)
        summary["images"] = len(imgs)
        for i in imgs:
            if not i["ok"]:
                problems.append(f"image not loaded: {i['src'][:120]}")

        # launch buttons (links only; requests to their hosts are caught above)
        if launch_prefixes:
            hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
            title = page.evaluate("() => (document.querySelector('article h1') || {textContent: ''}).textContent")
            problems += launch_problems(hrefs, title, launch_prefixes, root)

        # everything fits its column, on a desktop and on a phone
        summary["overflow"] = {}
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(150)
            measured = page.evaluate(JS_OVERFLOW, width >= 1280)
            summary["overflow"][width] = measured
            problems += overflow_problems(measured["items"], width)
        page.set_viewport_size({"width": WIDTHS[0][0], "height": WIDTHS[0][1]})
        page.wait_for_timeout(100)

        # screenshot of the page as a reader first sees it (collapsed blocks closed)
        shot = shot_dir / f"{name}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)

        # collapsed blocks: hidden at first, visible after a click
        toggles = page.evaluate(JS_TOGGLES)
        summary["toggles"] = len(toggles)
        # every dropdown admonition must have become a toggle (sphinx-togglebutton's script ran)
        n_dropdowns = page.evaluate("() => document.querySelectorAll('main .admonition.dropdown').length")
        n_admonition_toggles = sum(t["kind"].startswith("toggle.") and ".admonition" in t["kind"] for t in toggles)
        if n_admonition_toggles < n_dropdowns:
            problems.append(f"{n_dropdowns - n_admonition_toggles} of {n_dropdowns} dropdown admonitions "
                            "are not collapsed (sphinx-togglebutton did not run?)")
        for t in toggles:
            body = page.locator(f'[data-bt-body="{t["id"]}"]').first
            click = page.locator(f'[data-bt-click="{t["id"]}"]').first
            what = f"{t['kind']} {t['label']!r}"
            if body.is_visible():
                problems.append(f"collapsed block visible before a click: {what}")
                continue
            click.click(timeout=5_000)
            try:
                body.wait_for(state="visible", timeout=5_000)
            except Exception:
                problems.append(f"collapsed block still hidden after a click: {what}")
        page.wait_for_timeout(100)
    except Exception as e:  # a timeout or a crash is this page's failure, not the run's
        problems.append(f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
    finally:
        page.close()
    for url in foreign:
        problems.append(f"request to a foreign host (aborted): {url[:160]}")
    summary["requests"] = len(requests)
    return problems, summary


def overflow_report(overflow) -> str:
    """Markdown: every display equation wider than its box at 1280 px, page by page."""
    lines = ["# Display equations wider than the column at 1280 px", "",
             "Measured by `tools/browser_test.py --overflow-report` (headless Chromium, window 1280 px wide). "
             "Fix: break the equation at a relation sign or set it as an aligned block (`\\begin{aligned}`, "
             "several lines).", "",
             "| page | section | equation (LaTeX, first 60 characters) | width (px) | column (px) |", "|---|---|---|---|---|"]
    n = 0
    for page, widths in overflow.items():
        for item in (widths.get(1280) or {}).get("items", []):
            if item["kind"] != "equation":
                continue
            n += 1
            latex = item["what"].replace("|", "\\|")
            lines.append(f"| {page} | {item.get('where', '')} | `{latex}` | {item['width']} | {item['room']} |")
    lines += ["", f"{n} equation(s)."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--html", default="_build/html", help="the built site")
    ap.add_argument("--root", default=".", help="the book's root (_toc.yml, _config.yml, settings.ini)")
    ap.add_argument("--screenshots", default="_build/screenshots")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--page", action="append", help="only this page (e.g. nbs/03_forward); repeatable")
    ap.add_argument("--overflow-report", default=None, metavar="FILE",
                    help="write the equations wider than their box, page by page, as Markdown")
    args = ap.parse_args(argv)
    html, root, shots = Path(args.html), Path(args.root), Path(args.screenshots)
    if not (html / "index.html").is_file():
        print(f"FAIL: {html}/index.html does not exist (build the book first: make book)")
        return 1
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("FAIL: Python Playwright is missing (make browser-deps)")
        return 1
    if not Path(args.chromium).exists():
        print(f"FAIL: no Chromium at {args.chromium} (make browser-deps)")
        return 1

    names = args.page or book_pages(html, root / "_toc.yml")
    notebooks = {n for n in names if (root / f"{n}.ipynb").is_file()}
    launch_prefixes, config_problems = expected_launch_links(root)
    for p in config_problems:
        print("FAIL: config:", p)

    server = start_server(html)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    n_fail, start, overflow = 0, time.time(), {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
            for name in names:
                if not (html / f"{name}.html").is_file():
                    print(f"FAIL {name}: no {name}.html in {html}")
                    n_fail += 1
                    continue
                t0 = time.time()
                problems, s = check_page(context, base, name, shots, launch_prefixes, name in notebooks, root)
                overflow[name] = s.get("overflow", {})
                info = (f"{s.get('requests', 0)} requests, {s.get('math', 0)} math, "
                        f"{s.get('images', 0)} images, {s.get('toggles', 0)} toggles, {time.time() - t0:.1f} s")
                if problems:
                    n_fail += 1
                    print(f"FAIL {name} ({info})")
                    for p in problems:
                        print(f"     {p}")
                else:
                    print(f"ok   {name} ({info})")
            context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    if args.overflow_report:
        Path(args.overflow_report).write_text(overflow_report(overflow), encoding="utf-8")
        print(f"overflowing equations: {args.overflow_report}")
    n = len(names)
    print(f"browser test: {n - n_fail} of {n} pages passed in {time.time() - start:.0f} s"
          + (f", {len(config_problems)} configuration problem(s)" if config_problems else "")
          + f"; screenshots in {shots}/")
    return 1 if n_fail or config_problems else 0


if __name__ == "__main__":
    sys.exit(main())
