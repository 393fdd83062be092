from django.db import models

from heatwatch.lib.fields import EncryptedDateField, EncryptedTextField


class Probe(models.Model):
    name = EncryptedTextField()
    born_on = EncryptedDateField(null=True)
    note = EncryptedTextField(null=True)

    class Meta:
        app_label = "encrypted_testapp"


p = Probe()
reveal_type(p.name)
reveal_type(p.born_on)
reveal_type(p.note)
