Feature: Undefined steps
  Scenario: a step nobody wrote
    Given a counter at 1
    When the node sends 200 readings of "sensor" at 2.5 Hz
    Then the counter is 1
