@stability @fleet
Feature: Several nodes run side by side
  @smoke
  Scenario: two nodes each publish under their own id
    Given 2 nodes
    And every node reports every 10 seconds
    When 2 minutes pass on every node's clock
    Then every node publishes under its own id
    And the readings on the link have no gaps and no duplicates

  Scenario: three nodes for an hour of device time
    Given 3 nodes
    And every node reports every 30 seconds
    When 1 hour passes on every node's clock
    Then every node publishes under its own id
    And the readings on the link have no gaps and no duplicates
    And every node's boot counter is 1
