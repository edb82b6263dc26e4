"""The ARIA role vocabulary: the roles a procedure step may name (`click: {role: button, …}`) and the tokens of a
page's `role="…"` attribute that browsers honour.

It sits with the configuration, the lowest stage that needs it: targets.yaml is checked against it when read, the
JSON Schema lists it for editors, and the skeleton (watcher.detect) keeps the first valid token of `role=`.
"""

from __future__ import annotations

__all__ = ["STEP_ROLES", "VALID_ROLES"]

# ARIA 1.2 concrete roles (https://www.w3.org/TR/wai-aria-1.2/#role_definitions) + "image", the ARIA 1.3 synonym
# of img: a token outside this set is ignored, so role="foo button" falls back to button as browsers do.
VALID_ROLES = frozenset(
    """alert alertdialog application article banner blockquote button caption cell checkbox code
    columnheader combobox complementary contentinfo definition deletion dialog document emphasis feed
    figure form generic grid gridcell group heading img image insertion link list listbox listitem log
    main marquee math menu menubar menuitem menuitemcheckbox menuitemradio meter navigation none note
    option paragraph presentation progressbar radio radiogroup region row rowgroup rowheader scrollbar
    search searchbox separator slider spinbutton status strong subscript superscript switch tab table
    tablist tabpanel term textbox time timer toolbar tooltip tree treegrid treeitem""".split()
)
# Roles a procedure step may name: "image" is left to its ARIA 1.2 name, img.
STEP_ROLES = VALID_ROLES - {"image"}
