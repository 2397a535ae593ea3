package compare

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// MannWhitney returns the two-sided p-value of the Mann–Whitney U test
// (Mann & Whitney 1947) that samples x and y come from the same
// distribution, against the alternative that one is stochastically larger.
// U counts the pairs (x[i], y[j]) with x[i] > y[j], ties counting ½.
//
// With no ties and n1+n2 ≤ 40 the p-value is exact (the null distribution
// of U by the recurrence of Mann & Whitney's paper); otherwise it is the
// normal approximation with the tie-corrected variance
// σ² = n1·n2/12 · ((n+1) − Σ(t³−t)/(n(n−1))) and a continuity correction of
// ½. It returns 1 when either sample is empty or every value is tied.
func MannWhitney(x, y []float64) float64 {
	n1, n2 := len(x), len(y)
	if n1 == 0 || n2 == 0 {
		return 1
	}
	type obs struct {
		v     float64
		fromX bool
	}
	all := make([]obs, 0, n1+n2)
	for _, v := range x {
		all = append(all, obs{v, true})
	}
	for _, v := range y {
		all = append(all, obs{v, false})
	}
	slices.SortFunc(all, func(a, b obs) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	n := n1 + n2
	var rankSumX, tieTerm float64
	ties := false
	for i := 0; i < n; {
		j := i
		for j < n && all[j].v == all[i].v {
			j++
		}
		t := float64(j - i)
		if t > 1 {
			ties = true
			tieTerm += t*t*t - t
		}
		avgRank := float64(i+j+1) / 2 // ranks i+1..j
		for k := i; k < j; k++ {
			if all[k].fromX {
				rankSumX += avgRank
			}
		}
		i = j
	}
	u := rankSumX - float64(n1*(n1+1))/2
	if !ties && n <= 40 {
		return exactMannWhitney(n1, n2, int(math.Round(u)))
	}
	mean := float64(n1*n2) / 2
	variance := float64(n1*n2) / 12 * (float64(n+1) - tieTerm/float64(n*(n-1)))
	if variance <= 0 {
		return 1
	}
	d := math.Abs(u-mean) - 0.5
	if d < 0 {
		d = 0
	}
	z := d / math.Sqrt(variance)
	p := 2 * (1 - distuv.UnitNormal.CDF(z))
	return min(p, 1)
}

// exactMannWhitney returns the exact two-sided p-value of U = u for sample
// sizes n1 and n2 without ties: the number of orderings with each U value
// follows c(n1, n2, u) = c(n1−1, n2, u−n2) + c(n1, n2−1, u) (the largest
// value is from the first sample or from the second).
func exactMannWhitney(n1, n2, u int) float64 {
	maxU := n1 * n2
	// f[a][b] is the distribution of U for sizes a, b; build row by row.
	prev := make([][]float64, n2+1) // a-1
	cur := make([][]float64, n2+1)
	for b := 0; b <= n2; b++ {
		prev[b] = []float64{1} // a = 0: U = 0 in one way
	}
	for a := 1; a <= n1; a++ {
		cur[0] = []float64{1}
		for b := 1; b <= n2; b++ {
			d := make([]float64, a*b+1)
			for k, c := range prev[b] { // largest from x: adds b to U
				d[k+b] += c
			}
			for k, c := range cur[b-1] { // largest from y
				d[k] += c
			}
			cur[b] = d
		}
		prev, cur = cur, make([][]float64, n2+1)
	}
	dist := prev[n2]
	var total, le, ge float64
	for k := 0; k <= maxU; k++ {
		total += dist[k]
		if k <= u {
			le += dist[k]
		}
		if k >= u {
			ge += dist[k]
		}
	}
	return min(1, 2*min(le, ge)/total)
}

// quantileSorted returns the p-quantile (0..1) of sorted values by the
// empirical CDF (gonum's stat.Empirical), or NaN for none.
func quantileSorted(p float64, sorted []float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	return stat.Quantile(p, stat.Empirical, sorted, nil)
}

// Holm returns the Holm–Bonferroni adjusted p-values of ps (S. Holm, "A
// simple sequentially rejective multiple test procedure", Scandinavian
// Journal of Statistics 6(2), 1979): sorted ascending, the i-th smallest
// (0-based) of m becomes max over j ≤ i of min(1, (m−j)·p(j)). Rejecting
// where the adjusted value is below α keeps the chance of any false alarm
// in the family at most α, whatever the dependence between the tests.
func Holm(ps []float64) []float64 {
	m := len(ps)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case ps[a] < ps[b]:
			return -1
		case ps[a] > ps[b]:
			return 1
		}
		return 0
	})
	out := make([]float64, m)
	running := 0.0
	for rank, i := range order {
		running = max(running, min(1, float64(m-rank)*ps[i]))
		out[i] = running
	}
	return out
}
