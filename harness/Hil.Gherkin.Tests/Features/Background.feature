Feature: Background
  Background:
    Given a counter at 10

  Scenario: first
    When the counter is increased by 5
    Then the counter is 15

  Scenario: second starts afresh
    Then the counter is 10
