@stability
Feature: A node comes back from every reboot
  Scenario: a reboot loop
    Given a node
    When the node reboots 5 times
    And the node is back online
    Then every node's boot counter is 6
    And the node's link is mqtt

  Scenario: readings after a reboot start a new sequence under a new boot number
    Given a node
    And the node reports every 25 seconds
    And 1 minute passes on the node's clock
    When the node reboots
    And the node is back online
    And 1 minute passes on the node's clock
    Then the readings on the link have no gaps and no duplicates

  Scenario: a power cycle keeps the configuration
    Given a node
    And the node reports every 20 seconds
    When the node is power cycled
    And the node is back online
    And "config get interval_s" is typed on the console
    Then the console answers "interval_s=20"
