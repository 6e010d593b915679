/* The mkdocs theme's page settings without an inline script.
 *
 * The theme sets `base_url` and `shortcuts` in an inline <script>; the site's
 * Content-Security-Policy runs no inline script, so engine/templates/docs_theme/main.html loads
 * this file instead, with the two values as data attributes, before the theme's base.js reads them.
 */
/* exported base_url, shortcuts */
var base_url = document.currentScript.getAttribute("data-base-url");
var shortcuts = JSON.parse(document.currentScript.getAttribute("data-shortcuts"));
