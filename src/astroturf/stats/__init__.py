"""All the statistics in one place: analytic null models, randomised copies of the data, fusion
of evidence, cluster tests and the empirical calibration that ties them to the data itself."""
