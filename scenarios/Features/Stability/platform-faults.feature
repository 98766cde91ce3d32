@stability @platform
Feature: Readings reach the backend exactly once through network and broker faults

  Background:
    Given a node running firmware "3.0.0"
    And the node reports every 5 seconds

  Scenario: a broker restart loses no reading
    When 1 minute passes on the node's clock
    And the broker restarts
    And 2 minutes pass on the node's clock
    Then the backend has every reading the node published, exactly once and in order

  Scenario: one minute without Wi-Fi loses no reading in the backend
    When Wi-Fi drops for 60 seconds
    And 2 minutes pass on the node's clock
    Then the readings on the link have no gaps and no duplicates
    And the backend has every reading the node published, exactly once and in order
