@area
Feature: Tags
  @smoke
  Scenario: fast one
    Given a counter at 1

  @smoke @slow
  Scenario: slow smoke
    Given a counter at 2

  @slow
  Scenario: slow one
    Given a counter at 3

  Scenario: untagged
    Given a counter at 4
