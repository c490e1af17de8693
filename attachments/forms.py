from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (checked by the attachments service)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [d for d in data if d]
        return [data] if data else []


class TicketFilesForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("记录类别"),
        choices=[("note", _("内部备注")), ("reply", _("答复客户"))],
        initial="note",
    )
    body = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(label=_("文件"))
