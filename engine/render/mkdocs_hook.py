"""mkdocs hook: add the generated pages (methods, knowledge base, gallery, errors) to the site,
and the home page's worked result, in the site's language (`extra.lang` of the configuration:
mkdocs.yml builds the English site, mkdocs.zh.yml the Chinese one into its `zh/` folder)."""
from __future__ import annotations


def _locale(config):
    from pcf.render.locale import load_locale
    return load_locale((config.extra or {}).get("lang", "en"))


def on_files(files, config):
    from pathlib import Path

    from mkdocs.structure.files import File

    from pcf.core.paths import ROOT
    from pcf.render.docs import all_pages
    t = _locale(config)
    docs = ROOT / "docs"
    if Path(config.docs_dir).resolve() != docs.resolve():
        # A translation's folder (docs/zh) holds its pages only: the site's assets (scripts, styles,
        # KaTeX, Mermaid, screenshots) are the English site's, copied as they are.
        have = {f.src_uri for f in files}
        for path in sorted((docs / "assets").rglob("*")):
            uri = path.relative_to(docs).as_posix()
            if path.is_file() and uri not in have and uri != "assets/vendor/README.md":
                files.append(File(uri, str(docs), config.site_dir, config.use_directory_urls))
    for path, content in all_pages(t=t).items():
        files.append(File.generated(config, path, content=content))
    return files


def on_page_markdown(markdown, page, config, files):
    """The home page ends with one worked result, computed at build time."""
    if page.file.src_uri != "index.md":
        return markdown
    from pcf.render.docs import home_result
    return markdown.rstrip() + "\n\n" + home_result(t=_locale(config))
