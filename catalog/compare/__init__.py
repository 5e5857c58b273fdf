"""What may be compared with what: the rules every ranking, table, plot, export and the
chooser share. The site, the CLI (`catalog board`, `catalog conflicts`) and the exports call
these; none of them decides comparability on its own.

- `states`    the fair view: extra data, test-time augmentation and backbone pre-training, each
              in its stated / not stated states, and what the default view admits;
- `protocol`  where a number was scored (split and server), and the dataset's usual split as a
              marked assumption;
- `rows`      transcriptions of one experiment merged into one row, never across settings;
- `conflicts` numbers that disagree: a conflict (settings equal) or a possible one (equal where
              both state them), with the reason;
- `boards`    rankings keyed by dataset, metric and protocol, with the default view;
- `costs`     a row's params and FLOPs, claimed or measured, at its own evaluation size and at
              the dataset's canonical size;
- `pareto`    fronts among rows whose costs are known;
- `speed`     speed claims paired with the scores of their own experiment.
"""
