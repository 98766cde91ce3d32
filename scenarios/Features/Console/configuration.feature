@console
Feature: Configuration set on the console is kept and used
  Background:
    Given a node

  @smoke
  Scenario: a new reporting interval is kept
    When "config set interval_s 5" is typed on the console
    And "config get interval_s" is typed on the console
    Then the console answers "interval_s=5"

  Scenario: the reporting interval paces the readings on the link
    Given the node reports every 10 seconds
    When 2 minutes pass on the node's clock
    Then the link carries at least 11 readings from the node
    And the readings on the link have no gaps and no duplicates

  Scenario: configuration survives a reboot
    Given the node reports every 30 seconds
    When the node reboots
    And "config get interval_s" is typed on the console
    Then the console answers "interval_s=30"
    And every node's boot counter is 2
