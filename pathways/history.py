"""The history every tracked model keeps: django-simple-history's, with two changes.

- **A batch writes its history rows with the batch** (`pathways.batch`). Inside a batch (an
  import of the caseload), a new history row is kept and inserted with the others of its table
  when the batch ends, in the same transaction as the records it describes: the audit is the
  same, row for row, and is never written without them or they without it. Outside a batch a
  history row is inserted at once, as simple-history does. Nothing an import runs reads
  history, which is what `batch.later` asks of its rows.
- **`Model.history` makes its manager class once per model**, not on every use:
  simple-history's descriptor builds a new class (`from_queryset`, which inspects every
  method of the queryset) each time `history` is read, and every saved change reads it.

Every model declares `history = HistoricalRecords()` from here; the options are
simple-history's own.
"""
from django.db import models
from simple_history import models as simple_history
from simple_history.manager import HistoryDescriptor

from . import batch


class BatchedHistory(models.Model):
    """The base of every history model: a new row inside a batch goes in with the batch."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding and batch.active():
            batch.later(self)
            return
        super().save(*args, **kwargs)


class _OneManagerClass(HistoryDescriptor):
    def __init__(self, model, manager, queryset):
        super().__init__(model, manager=manager, queryset=queryset)
        self.manager_for_model = manager.from_queryset(queryset)

    def __get__(self, instance, owner):
        return self.manager_for_model(self.model, instance)


class HistoricalRecords(simple_history.HistoricalRecords):
    def __init__(self, *args, bases=(BatchedHistory,), **kwargs):
        super().__init__(*args, bases=bases, **kwargs)

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        descriptor = sender.__dict__.get(self.manager_name)
        if isinstance(descriptor, HistoryDescriptor):  # not there for an abstract model
            setattr(sender, self.manager_name, _OneManagerClass(
                descriptor.model, descriptor.manager_class, descriptor.queryset_class))
