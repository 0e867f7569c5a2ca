"""Building blocks every learner and the featuriser share: sparse rows, the losses, learning-rate schedules, the
solver settings, epoch figures, probability calibration, work split over processes. Imports numpy, sgdtext.errors
and sgdtext.config, and scipy only inside the functions that need it (predict never loads it); no other sgdtext
package."""
