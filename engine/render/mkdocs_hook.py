"""mkdocs hook: add the generated pages (methods, knowledge base, gallery, errors) to the site."""
from __future__ import annotations


def on_files(files, config):
    from mkdocs.structure.files import File

    from pcf.render.docs import all_pages
    for path, content in all_pages().items():
        files.append(File.generated(config, path, content=content))
    return files
