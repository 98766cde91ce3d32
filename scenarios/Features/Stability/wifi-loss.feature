@stability
Feature: A node rides out a lost Wi-Fi link without losing readings
  Readings taken while the access point is gone wait in the node's offline buffer and are
  sent, in order, once the link is back.

  Background:
    Given a node
    And the node reports every 5 seconds

  @smoke
  Scenario: one minute without Wi-Fi
    When Wi-Fi drops for 60 seconds
    And 5 minutes pass on the node's clock
    Then the readings on the link have no gaps and no duplicates
    And the link carries at least 70 readings from the node
    And the node's reconnects counter is at least 1
    And the node's link is mqtt

  Scenario: a hung modem is survived and the node reconnects when it answers again
    Given the modem stops answering
    When 3 minutes pass on the node's clock
    Then the node's link is down
    When the modem answers again
    And the node is back online
    And 1 minute passes on the node's clock
    Then the node's link is mqtt
    And the node's reconnects counter is at least 2

  Scenario: an outage longer than the offline buffer keeps its newest readings and counts the rest
    When Wi-Fi drops for 2 minutes
    And 1 minute passes on the node's clock
    Then the readings missing on the link are the oldest of the outage, as many as the node counts as dropped
    And the node's dropped counter is at least 8
    And the node's buffer_capacity counter is 16
