"""Form: what a form is — the model (:mod:`.model`), the form file (:mod:`.formfile`,
FORM-FORMAT.md), the templates that give each table its layout (:mod:`.templates`) and the scoring
profiles (:mod:`.profiles`).  Uses only :mod:`core.files`."""
from core.form.formfile import dump, load, loads, validate
from core.form.model import (FORMAT, MAX_INDICATORS, MAX_TEXT_CHARS, VERSION, Form, FormError, new_form, new_goal,
                             new_indicator)
from core.form.profiles import Profile, get_profile, profile_ids
from core.form.templates import TemplateError, all_templates, check_template, get_template, template_ids

__all__ = ["dump", "load", "loads", "validate", "FORMAT", "MAX_INDICATORS", "MAX_TEXT_CHARS", "VERSION", "Form",
           "FormError", "new_form", "new_goal", "new_indicator", "Profile", "get_profile", "profile_ids",
           "TemplateError", "all_templates", "check_template", "get_template", "template_ids"]
