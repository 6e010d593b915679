"""mkdocs hook: add the generated pages (methods, knowledge base, gallery, errors) to the site,
and the home page's worked result."""
from __future__ import annotations


def on_files(files, config):
    from mkdocs.structure.files import File

    from pcf.render.docs import all_pages
    for path, content in all_pages().items():
        files.append(File.generated(config, path, content=content))
    return files


def on_page_markdown(markdown, page, config, files):
    """The home page ends with one worked result, computed at build time."""
    if page.file.src_uri != "index.md":
        return markdown
    from pcf.render.docs import home_result
    return markdown.rstrip() + "\n\n" + home_result()
