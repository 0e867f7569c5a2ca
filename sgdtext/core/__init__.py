"""Building blocks every learner and the featuriser share: sparse rows, the losses, learning-rate schedules, the
solver settings, work split over processes. Imports numpy, sgdtext.errors and sgdtext.config; never scipy, and no
other sgdtext package."""
