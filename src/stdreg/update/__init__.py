"""Single changes to the register (``stdreg update``): validated like an import, dated, audited.

A change is one of:

* an enterprise's attributes (name, township, industry, size, high-tech, key
  energy user, metrology confirmation, good-behaviour level), or the USCC of an
  enterprise known by its organization code;
* a product's output value or brand, its standards (add, drop, replace), its
  name, or the product itself (drop);
* a fact about a standard: title, status, replacement, adoption.

A *dated change* says the world changed on its date: the version covering the
date is split there (``stdreg.timeline``), so reports of earlier dates keep what
they said. A *correction* (``correct=True``) says the register was wrong: the
value is rewritten in every version (or in every version from ``correct_from``
on, the version covering that date being split there), and the change log
records it with reason ``correction``. Facts about standards carry their own
dates and are simply restated (they are never corrections).

Values are parsed by the field parsers an import uses (``stdreg.fields``); a
:class:`~stdreg.fields.FieldError` says what is wrong with which value.
The package is split by job: :mod:`~stdreg.update.changes` is the change model and
reads what people type into changes (``update enterprise|product|standard``);
:mod:`~stdreg.update.sheet` reads a sheet of changes (``update --from FILE``), one per
row, through the import's readers; :mod:`~stdreg.update.apply` applies a list of
changes as one batch of kind ``update``, all or nothing, through the write kernel.
"""
