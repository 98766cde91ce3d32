Feature: Ambiguous steps
  Scenario: two definitions match
    Given a counter at 1
    Then the answer is 42
