import test from 'ava';
import { chiSquareTest, upperGammaQ } from '../../src/realize/index.js';

test('upper tail of chi-square matches the table values at 5% and 1%', (t) => {
  // Critical values from any chi-square table: df 1 → 3.841 (5%), 6.635 (1%); df 2 → 9.210 (1%); df 4 → 13.277 (1%).
  t.true(Math.abs(upperGammaQ(0.5, 3.841 / 2) - 0.05) < 1e-3);
  t.true(Math.abs(upperGammaQ(0.5, 6.635 / 2) - 0.01) < 1e-3);
  t.true(Math.abs(upperGammaQ(1, 9.21 / 2) - 0.01) < 1e-3);
  t.true(Math.abs(upperGammaQ(2, 13.277 / 2) - 0.01) < 1e-3);
});

test('a fair three-way split fits; a lopsided one does not; an impossible outcome never fits', (t) => {
  const fair = chiSquareTest([41, 38, 41], [1 / 3, 1 / 3, 1 / 3]);
  t.is(fair.df, 2);
  t.true(Math.abs(fair.statistic - 0.15) < 1e-9);
  t.true(fair.pValue > 0.9);
  const skewed = chiSquareTest([80, 20, 20], [1 / 3, 1 / 3, 1 / 3]);
  t.true(skewed.statistic === 60);
  t.true(skewed.pValue < 0.01);
  t.is(chiSquareTest([59, 60, 1], [0.5, 0.5, 0]).pValue, 0);
});
