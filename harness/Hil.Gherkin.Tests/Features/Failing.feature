Feature: Failing steps
  Background:
    Given a counter at 1

  Scenario: a step that throws
    When the counter is increased by 2
    Then the counter is 4
    And the counter is 3
