// Package junit writes JUnit XML reports, the de-facto format that CI
// systems (GitHub Actions test reporters, GitLab's unit-test reports,
// Jenkins, Azure Pipelines) show natively as test results.
//
// # Format
//
// The document is the common subset the CI systems read (the Ant/Maven
// Surefire shape):
//
//	<testsuites name tests failures errors time>
//	  <testsuite name tests failures errors skipped time timestamp>
//	    <testcase name classname time>
//	      <failure message type>details</failure>   (when it failed)
//	      <skipped message/>                         (when it was not evaluated)
//	    </testcase>
//	  </testsuite>
//	</testsuites>
//
// Counts are computed by Write from the cases, so they always agree. Times
// are seconds with millisecond precision.
//
// # Entry points
//
// FromRun builds the report of `load run --junit FILE`: a "thresholds"
// suite with one case per threshold (failed with its value; failed as "no
// data" when it could not be evaluated) and a "checks" suite with one case per
// check ("N of M failed"). Other reports (`load compare`) build Suites
// directly. Suites.Write encodes.
//
// # Concurrency
//
// Values are plain data, not safe for concurrent mutation.
package junit
