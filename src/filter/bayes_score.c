/* Combining token counts into a spam probability: Gary Robinson's f(w)
 * for each token, Fisher's method (chi-square) over the strongest ones,
 * as SpamBayes does. The chi-square form says "unsure" (near 0.5) when a
 * message has strong evidence both ways, where Graham's product would
 * swing to one end. */
#include "filter/bayes.h"

#include <math.h>
#include <stdlib.h>

#include "common/xmalloc.h"

#define STRENGTH     0.45    /* Robinson's s: weight of the prior */
#define PRIOR        0.5     /* Robinson's x: a token seen once or never */
#define MIN_DEVIATION 0.1    /* |f - 0.5| below this says nothing */
#define MAX_CLUES    150

/* Robinson's f(w) for a token seen in `spam` of nspam spam messages and
 * `ham` of nham ham ones. */
static double token_prob(const struct bayes_count *c, uint32_t nspam,
    uint32_t nham)
{
	double sr = (double)c->spam / nspam, hr = (double)c->ham / nham;
	if (sr > 1)
		sr = 1;
	if (hr > 1)
		hr = 1;
	double p = sr / (sr + hr);
	double n = (double)c->spam + c->ham;
	return (STRENGTH * PRIOR + n * p) / (STRENGTH + n);
}

/* Probability that chi-square with v (even) degrees of freedom exceeds
 * x2: the series of exp(-m) m^i / i!. */
static double chi2q(double x2, size_t v)
{
	double m = x2 / 2, term = exp(-m), sum = term;
	for (size_t i = 1; i < v / 2; i++) {
		term *= m / (double)i;
		sum += term;
	}
	return sum < 1 ? sum : 1;
}

static int by_strength(const void *a, const void *b)
{
	double x = fabs(*(const double *)a - 0.5);
	double y = fabs(*(const double *)b - 0.5);
	return x < y ? 1 : x > y ? -1 : 0;
}

bool bayes_probability(uint32_t nspam, uint32_t nham,
    const struct bayes_count *counts, size_t n, double *prob)
{
	if (nspam < BAYES_MIN_LEARNS || nham < BAYES_MIN_LEARNS)
		return false;
	double *f = xmalloc((n ? n : 1) * sizeof(*f));
	size_t nf = 0;
	for (size_t i = 0; i < n; i++) {
		if (counts[i].spam == 0 && counts[i].ham == 0)
			continue;       /* unknown: no evidence */
		double p = token_prob(&counts[i], nspam, nham);
		if (fabs(p - 0.5) >= MIN_DEVIATION)
			f[nf++] = p;
	}
	if (nf > MAX_CLUES) {
		qsort(f, nf, sizeof(*f), by_strength);
		nf = MAX_CLUES;
	}
	double ln_ham = 0, ln_spam = 0;
	for (size_t i = 0; i < nf; i++) {
		ln_ham += log(f[i]);
		ln_spam += log(1 - f[i]);
	}
	free(f);
	if (nf == 0)
		return false;
	double s = 1 - chi2q(-2 * ln_spam, 2 * nf);
	double h = 1 - chi2q(-2 * ln_ham, 2 * nf);
	*prob = (s - h + 1) / 2;
	return true;
}

int32_t bayes_points(double prob)
{
	if (!(prob >= 0))       /* NaN too */
		prob = 0;
	if (prob > 1)
		prob = 1;
	double d = (prob - 0.5) * 2;
	return (int32_t)lround(d * (d > 0 ? BAYES_SPAM_POINTS : BAYES_HAM_POINTS));
}
