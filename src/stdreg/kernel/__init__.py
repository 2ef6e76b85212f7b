"""The write kernel: the one way anything is written to the register.

Every write is a batch (:mod:`stdreg.kernel.batch`): an import, a catalog, an update, a
revert or a merge opens one, writes through it and finishes it. Through the batch,

* dated versions are read and written from ``stdreg.timeline``'s plans
  (:mod:`stdreg.kernel.versions`), every version they end, rewrite or delete logged;
* facts that are not versions (a USCC, a product's name, a standard's facts) are set
  with one call that logs what they overwrote (``Batch.set_facts``);
* standards are added and their ``outdated_from`` recomputed (:mod:`stdreg.kernel.standards`);
* the change log (:mod:`stdreg.kernel.changelog`) records old values before they go,
  and a batch is undone from it (:mod:`stdreg.kernel.revert`).

:mod:`stdreg.kernel.bulk` is the plain-SQL executemany / COPY writer under all of it, and
:mod:`stdreg.kernel.tables` names the tables' columns from the models.
"""
